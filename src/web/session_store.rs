//! actix-session storage in our own database: only a hash of the session
//! key is stored, and the user id is kept in a column so that all of a
//! user's sessions can be deleted at once.

use std::collections::HashMap;
use std::sync::Arc;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use uuid::Uuid;

use crate::clock::Clock;
use crate::domain::token::{Token, hash_token};
use crate::store::{Db, sessions};

#[derive(Clone)]
pub struct DbSessionStore {
    db: Arc<Db>,
    /// Session expiry follows the application's clock.
    clock: Arc<dyn Clock>,
}

impl DbSessionStore {
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        Self { db: Arc::new(db), clock }
    }

    async fn write(&self, key: &str, state: &HashMap<String, String>, ttl: &Duration) -> anyhow::Result<()> {
        let json = serde_json::to_string(state)?;
        // actix-session stores values as JSON text.
        let user_id = state.get(super::guard::USER_ID_KEY).and_then(|v| serde_json::from_str::<Uuid>(v).ok());
        let expires_at = self.clock.now() + chrono::Duration::seconds(ttl.whole_seconds());
        let mut c = self.db.acquire().await?;
        sessions::upsert(&mut c.conn(), &hash_token(key), user_id, &json, expires_at).await
    }
}

impl SessionStore for DbSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<HashMap<String, String>>, LoadError> {
        let mut c = self.db.acquire().await.map_err(LoadError::Other)?;
        let state = sessions::load(&mut c.conn(), &hash_token(key.as_ref()), self.clock.now())
            .await
            .map_err(LoadError::Other)?;
        state.map(|s| serde_json::from_str(&s).map_err(|e| LoadError::Deserialization(e.into()))).transpose()
    }

    async fn save(&self, state: HashMap<String, String>, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let key = Token::generate().as_str().to_string();
        self.write(&key, &state, ttl).await.map_err(SaveError::Other)?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        key: SessionKey,
        state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        self.write(key.as_ref(), &state, ttl).await.map_err(UpdateError::Other)?;
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        let mut c = self.db.acquire().await?;
        sessions::touch(
            &mut c.conn(),
            &hash_token(key.as_ref()),
            self.clock.now() + chrono::Duration::seconds(ttl.whole_seconds()),
        )
        .await
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        let mut c = self.db.acquire().await?;
        sessions::delete(&mut c.conn(), &hash_token(key.as_ref())).await
    }
}
