//! The one retry loop of conditional writes: read, decide, write on the version read,
//! and try again when another writer won.

use std::future::Future;

use scim_provider::ProviderError;
use scim_schema::SchemaError;
use scim_version::VersionConflict;

use crate::{ScimError, ScimOperationHandler, ScimOperationRequest};

/// Why one attempt did not succeed.
pub(crate) enum Failure {
    /// The conditional write found another version: another writer won the race.
    Lost(VersionConflict),
    /// Anything else: answered as it is.
    Error(ScimError),
}

impl From<ScimError> for Failure {
    fn from(err: ScimError) -> Self {
        Self::Error(err)
    }
}

impl From<SchemaError> for Failure {
    fn from(err: SchemaError) -> Self {
        Self::Error(err.into())
    }
}

impl From<ProviderError> for Failure {
    fn from(err: ProviderError) -> Self {
        match err {
            ProviderError::VersionMismatch(conflict) => {
                crate::metrics::observe_provider_error_kind(crate::metrics::VERSION_MISMATCH);
                Self::Lost(conflict)
            }
            other => Self::Error(other.into()),
        }
    }
}

impl ScimOperationHandler {
    /// Runs `attempt` until it succeeds or fails for a reason other than a lost race.
    ///
    /// A lost race is retried, up to [`patch_retries`](crate::ServiceConfig) times, when
    /// the client sent no `If-Match`: the next attempt reads the new version and
    /// decides again, so no update is lost. With `If-Match` the client's version is
    /// stale: `412` at once.
    pub(crate) async fn retrying<T, Fut>(
        &self,
        request: &ScimOperationRequest,
        mut attempt: impl FnMut() -> Fut,
    ) -> Result<T, ScimError>
    where
        Fut: Future<Output = Result<T, Failure>>,
    {
        let mut lost = 0;
        loop {
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(Failure::Error(err)) => return Err(err),
                Err(Failure::Lost(conflict)) => {
                    if request.expected_version.is_some() || lost >= self.config().patch_retries {
                        return Err(conflict.into());
                    }
                    lost += 1;
                    self.observe_retry(request);
                }
            }
        }
    }
}
