//! Usher: a self-hosted invitation console.

pub mod clock;
pub mod config;
pub mod domain;
pub mod jobs;
pub mod messaging;
pub mod rate_limit;
pub mod seed;
pub mod service;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod web;
pub mod words;
