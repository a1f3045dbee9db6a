//! What the operation layer records through the [`metrics`] facade: version and
//! uniqueness conflicts, PATCH retries, provider errors. Nothing is recorded unless the
//! application installs a recorder (`metrics-exporter-prometheus`, say); then each
//! record is one counter increment. Label values are bounded: resource type names from
//! the registry (`unknown` for anything else), error kinds, and the tenant only when
//! [`ServiceConfig::metrics_tenant_label`](crate::ServiceConfig) is on.

use metrics::{Label, SharedString, counter};
use scim_provider::ProviderError;
use scim_schema::ScimType;

use crate::{ErrorKind, ScimError, ScimOperationHandler, ScimOperationRequest};

/// `412`s: a stale `If-Match` (or a listed `If-None-Match`), top level or inside Bulk.
pub const VERSION_CONFLICTS: &str = "scim_version_conflicts_total";
/// The internal retries of a write without `If-Match` that lost a race.
pub const PATCH_RETRIES: &str = "scim_patch_retries_total";
/// `409 uniqueness`: a write refused because a unique value is taken.
pub const UNIQUENESS_CONFLICTS: &str = "scim_uniqueness_conflicts_total";
/// Errors the provider answered, by kind.
pub const PROVIDER_ERRORS: &str = "scim_provider_errors_total";

/// The `resource_type` label of anything the registry does not name.
pub const UNKNOWN: &str = "unknown";

/// Describes these metrics to the installed recorder (their `# HELP` lines); call it
/// once after installing one.
pub fn describe() {
    use metrics::describe_counter;
    describe_counter!(
        VERSION_CONFLICTS,
        "412 Precondition Failed answers: a stale If-Match (or a listed If-None-Match), top level or inside Bulk"
    );
    describe_counter!(
        PATCH_RETRIES,
        "Internal retries of writes without If-Match that lost a race to another writer"
    );
    describe_counter!(
        UNIQUENESS_CONFLICTS,
        "Writes refused with 409 uniqueness: a unique value was taken"
    );
    describe_counter!(
        PROVIDER_ERRORS,
        "Errors the storage provider answered, by kind"
    );
}

impl ScimOperationHandler {
    /// Counts what an operation's outcome says about conflicts.
    pub(crate) fn observe<T>(
        &self,
        request: &ScimOperationRequest,
        outcome: &Result<T, ScimError>,
    ) {
        let Err(err) = outcome else { return };
        let name = match err.kind {
            ErrorKind::PreconditionFailed => VERSION_CONFLICTS,
            ErrorKind::Invalid(ScimType::Uniqueness) => UNIQUENESS_CONFLICTS,
            _ => return,
        };
        counter!(name, self.labels(request)).increment(1);
    }

    /// Counts one internal retry after a lost race.
    pub(crate) fn observe_retry(&self, request: &ScimOperationRequest) {
        counter!(PATCH_RETRIES, self.labels(request)).increment(1);
    }

    /// `resource_type` (and `tenant`, when enabled) of a request.
    fn labels(&self, request: &ScimOperationRequest) -> Vec<Label> {
        let resource_type = self
            .definition(request)
            .map_or(SharedString::const_str(UNKNOWN), |definition| {
                SharedString::from_owned(definition.name().to_owned())
            });
        let mut labels = vec![Label::new("resource_type", resource_type)];
        if self.config().metrics_tenant_label {
            labels.push(Label::new(
                "tenant",
                SharedString::from_owned(request.context.tenant().to_owned()),
            ));
        }
        labels
    }
}

/// Counts a provider error by kind; called where every provider error becomes a
/// [`ScimError`], so each is counted once.
pub(crate) fn observe_provider_error(err: &ProviderError) {
    observe_provider_error_kind(match err {
        ProviderError::NotFound { .. } => "not_found",
        ProviderError::Uniqueness { .. } => "uniqueness",
        ProviderError::VersionMismatch(_) => VERSION_MISMATCH,
        ProviderError::Invalid { .. } => "invalid",
        ProviderError::Storage { .. } => "storage",
        ProviderError::Unavailable { .. } => "unavailable",
        _ => "other",
    });
}

/// The `kind` of a conditional write that found another version.
pub(crate) const VERSION_MISMATCH: &str = "version_mismatch";

/// Counts a provider error of this kind (a lost race, which the retry loop sees before
/// it becomes a [`ScimError`], is counted here too).
pub(crate) fn observe_provider_error_kind(kind: &'static str) {
    counter!(PROVIDER_ERRORS, "kind" => kind).increment(1);
}
