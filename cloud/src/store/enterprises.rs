use super::{conflict_as, findable, on_pool, Store, StoreError, StoreResult};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Enterprise {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
}

impl Store {
    pub async fn create_enterprise(&self, name: &str, now: i64) -> StoreResult<Enterprise> {
        on_pool!(self, |pool| {
            sqlx::query_as("INSERT INTO enterprises (name, created_at) VALUES ($1, $2) RETURNING *")
                .bind(name)
                .bind(now)
                .fetch_one(pool)
                .await
                .map_err(conflict_as("enterprise"))
        })
    }

    pub async fn list_enterprises(&self) -> StoreResult<Vec<Enterprise>> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as("SELECT * FROM enterprises ORDER BY id")
                .fetch_all(pool)
                .await?)
        })
    }

    /// The id of the enterprise named by id or name, if one is named (a
    /// listing's filter).
    pub async fn enterprise_id(&self, id_or_name: Option<&str>) -> StoreResult<Option<i64>> {
        match id_or_name {
            Some(e) => Ok(Some(self.find_enterprise(e).await?.id)),
            None => Ok(None),
        }
    }

    /// Finds an enterprise by numeric id or by exact name.
    pub async fn find_enterprise(&self, id_or_name: &str) -> StoreResult<Enterprise> {
        findable(id_or_name)?;
        on_pool!(self, |pool| {
            let by_id: Option<i64> = id_or_name.parse().ok();
            sqlx::query_as(
                "SELECT * FROM enterprises WHERE id = $1 OR name = $2 ORDER BY id LIMIT 1",
            )
            .bind(by_id)
            .bind(id_or_name)
            .fetch_optional(pool)
            .await?
            .ok_or(StoreError::NotFound)
        })
    }
}
