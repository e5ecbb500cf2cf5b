//! The `usher` command line: serve (default), migrate, create-admin.

use std::io::{IsTerminal, Read};

use anyhow::Context;
use clap::{Parser, Subcommand};
use usher::{
    config::Settings, service::accounts, startup::Application, state::AppState, store::audit::Actor, telemetry,
};

#[derive(Parser)]
#[command(name = "usher", version, about = "Self-hosted invitation console")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web console and background workers (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create an API key and print it (shown once).
    CreateApiKey {
        #[arg(long)]
        name: String,
        /// admin, secondary_admin or user_invite
        #[arg(long, default_value = "admin")]
        role: String,
    },
    /// Fill the database with fake people, for benchmarks and demos.
    Seed {
        #[arg(long, default_value_t = 1000)]
        users: usize,
        #[arg(long, default_value_t = 10)]
        tenants: usize,
    },
    /// Create an admin; the password is read from standard input.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        name: String,
    },
}

fn main() -> anyhow::Result<()> {
    limit_malloc_arenas();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run())
}

/// glibc gives every thread its own malloc arena and rarely hands memory
/// back; with actix, tokio and SQLite threads that doubled the resident
/// memory of a 10,000-row import. Two arenas keep it near the working set.
/// Must run before any thread starts.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; no other thread exists yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

async fn run() -> anyhow::Result<()> {
    telemetry::init();
    let cli = Cli::parse();
    let settings = Settings::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            app.announce_setup_link().await?;
            tracing::info!(url = %app.state().config.base_url, "Usher is listening");
            app.run_until_stopped().await
        }
        Command::Migrate => {
            let db = usher::store::Db::connect(&settings.database_url).await?;
            db.migrate().await?;
            db.rebuild_search_index().await?;
            println!("Migrations applied.");
            Ok(())
        }
        Command::CreateAdmin { email, name } => create_admin(settings, email, name).await,
        Command::CreateApiKey { name, role } => {
            let state = AppState::connect(settings).await?;
            let actor = Actor { label: "create-api-key (CLI)".into(), ..Actor::default() };
            let access = usher::domain::access::Access::from_roles(["admin"]);
            let input = usher::service::api_keys::NewKeyInput { name, role, tenant: None, expires_in_days: None };
            match usher::service::api_keys::create(&state, &actor, &access, input).await {
                Ok((key, _)) => {
                    println!("{key}");
                    Ok(())
                }
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1)
                }
            }
        }
        Command::Seed { users, tenants } => {
            let db = usher::store::Db::connect(&settings.database_url).await?;
            db.migrate().await?;
            let started = std::time::Instant::now();
            usher::seed::seed(&db, users, tenants).await?;
            println!("Seeded {users} users in {tenants} tenants in {:.1} s.", started.elapsed().as_secs_f64());
            Ok(())
        }
    }
}

async fn create_admin(settings: Settings, email: String, name: String) -> anyhow::Result<()> {
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password for the new admin: ")?
    } else {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("reading the password from standard input")?;
        s.lines().next().unwrap_or_default().to_string()
    };
    let state = AppState::connect(settings).await?;
    let form = accounts::NewAdmin { email, name, password: password.clone(), password_confirm: password };
    let actor = Actor { label: "create-admin (CLI)".into(), ..Actor::default() };
    match accounts::create_admin(&state, form, None, &actor).await {
        Ok(_) => {
            println!("Admin created. Sign in at {}/login", state.config.base_url);
            Ok(())
        }
        Err(usher::service::ServiceError::Invalid(errors)) => {
            for e in errors {
                eprintln!("{}: {}", e.field, e.message);
            }
            std::process::exit(1)
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1)
        }
    }
}
