//! [`Fetch`]: what of a resource a response will show, so a provider loads no more.

use scim_schema::{Projection, ResourceDefinition};

/// Which of the parts a provider may keep apart from a resource's JSON a response will
/// show: `members` (groups) and the derived `groups` (users). A provider that keeps
/// them apart leaves out what is not asked for, neither reading nor rendering it; a
/// provider that ignores the hint stays correct, since the response is projected
/// anyway. A resource fetched without a part still carries the version of the whole
/// resource.
///
/// ```
/// use scim_provider::Fetch;
/// use scim_schema::{Projection, SchemaRegistry};
///
/// let registry = SchemaRegistry::default();
/// let groups = registry.resource_type("Group").unwrap();
/// let projection = Projection::from_query(None, Some("members"))?;
/// assert_eq!(Fetch::for_projection(groups, &projection), Fetch { members: false, groups: false });
/// assert_eq!(Fetch::for_projection(groups, &Projection::default()).members, true);
/// # Ok::<(), scim_schema::SchemaError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fetch {
    /// Load `members`.
    pub members: bool,
    /// Load the derived `groups`.
    pub groups: bool,
}

impl Fetch {
    /// Everything: the whole resource.
    pub const ALL: Fetch = Fetch {
        members: true,
        groups: true,
    };

    /// What a response of `definition` under `projection` may show.
    pub fn for_projection(definition: &ResourceDefinition, projection: &Projection) -> Self {
        Self {
            members: definition.has_members() && projection.may_return(definition, "members"),
            groups: definition.derives_groups() && projection.may_return(definition, "groups"),
        }
    }
}

impl Default for Fetch {
    fn default() -> Self {
        Self::ALL
    }
}
