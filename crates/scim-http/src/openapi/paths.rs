//! The paths of the OpenAPI document: each operation with its parameters, body,
//! responses and links; and the shared parameters, headers and error responses.

use scim_ops::ScimOperationHandler;
use scim_schema::ResourceDefinition;
use serde_json::{Map, Value, json};

use super::{patterns, schema_ref, schemas};
use crate::{HttpConfig, SCIM_JSON};

/// The errors a response may be, by status: each a SCIM error body.
const ERRORS: [(&str, &str, &str); 11] = [
    (
        "400",
        "BadRequest",
        "The request is malformed or invalid (scimType says how).",
    ),
    ("401", "Unauthorized", "No valid bearer token."),
    (
        "403",
        "Forbidden",
        "The token is not valid for this tenant.",
    ),
    ("404", "NotFound", "No such resource."),
    (
        "409",
        "Conflict",
        "A unique value is taken (scimType uniqueness).",
    ),
    (
        "412",
        "PreconditionFailed",
        "If-Match names a version the resource is no longer at (or If-None-Match one it is at).",
    ),
    (
        "413",
        "PayloadTooLarge",
        "The body is larger than the server accepts.",
    ),
    (
        "415",
        "UnsupportedMediaType",
        "The body is not application/scim+json or application/json.",
    ),
    (
        "429",
        "TooManyRequests",
        "The tenant is over its request rate or has too many requests in progress; Retry-After says when to try again.",
    ),
    ("501", "NotImplemented", "The server does not offer this."),
    (
        "503",
        "Unavailable",
        "The store cannot be reached or written now, or the request was not answered within the server's time limit; Retry-After says when to try again.",
    ),
];

/// Writes the operations of one service.
pub(super) struct Writer<'a> {
    handler: &'a ScimOperationHandler,
    config: &'a HttpConfig,
}

impl<'a> Writer<'a> {
    pub(super) fn new(handler: &'a ScimOperationHandler, config: &'a HttpConfig) -> Self {
        Self { handler, config }
    }

    /// `/{endpoint}`, `/{endpoint}/{id}` and `/{endpoint}/.search` of one resource type.
    pub(super) fn resource_type(
        &self,
        definition: &ResourceDefinition,
        paths: &mut Map<String, Value>,
    ) {
        let name = definition.name();
        let endpoint = format!(
            "/{}",
            definition.resource_type().endpoint.trim_start_matches('/')
        );
        let tag = [name];
        let resource = schema_ref(name);
        let input = body(schema_ref(&format!("{name}Input")));
        let links = json!({
            format!("Get{name}"): link(&format!("get{name}")),
            format!("Replace{name}"): link(&format!("replace{name}")),
            format!("Patch{name}"): link(&format!("patch{name}")),
            format!("Delete{name}"): link(&format!("delete{name}")),
        });
        let mut created = versioned(&format!("The {name} created."), &resource);
        created["headers"]["Location"] = json!({"$ref": "#/components/headers/Location"});
        created["links"] = links;
        let list = self.operation(
            &format!("list{name}s"),
            &format!("List or filter {name} resources"),
            &tag,
            params(&LIST_PARAMETERS),
            None,
            vec![("200", listed(name)), err("400")],
        );
        let create = self.operation(
            &format!("create{name}"),
            &format!("Create a {name}"),
            &tag,
            params(&["attributes", "excludedAttributes"]),
            Some(input.clone()),
            vec![
                ("201", created),
                err("400"),
                err("409"),
                err("413"),
                err("415"),
            ],
        );
        let (get, replace, patch, delete) = self.single(name, &tag, &resource, &input);
        paths.insert(endpoint.clone(), json!({"get": list, "post": create}));
        paths.insert(
            format!("{endpoint}/{{id}}"),
            json!({"parameters": [param("id")], "get": get, "put": replace, "patch": patch, "delete": delete}),
        );
        let search = self.message(
            [
                &format!("search{name}s"),
                &format!("Search {name} resources with a SearchRequest"),
                name,
            ],
            "SearchRequest",
            listed(name),
        );
        paths.insert(format!("{endpoint}/.search"), json!({"post": search}));
    }

    /// GET, PUT, PATCH and DELETE of one resource.
    fn single(
        &self,
        name: &str,
        tag: &[&str],
        resource: &Value,
        input: &Value,
    ) -> (Value, Value, Value, Value) {
        let parameters = params(&[
            "attributes",
            "excludedAttributes",
            "If-Match",
            "If-None-Match",
        ]);
        let mut not_modified =
            json!({"description": "Not modified: If-None-Match names the current version."});
        not_modified["headers"] = json!({"ETag": {"$ref": "#/components/headers/ETag"}});
        let get = self.operation(
            &format!("get{name}"),
            &format!("Read a {name}"),
            tag,
            parameters.clone(),
            None,
            vec![
                ("200", versioned(&format!("The {name}."), resource)),
                ("304", not_modified),
                err("400"),
                err("404"),
                err("412"),
            ],
        );
        let write_errors = || {
            [
                err("400"),
                err("404"),
                err("409"),
                err("412"),
                err("413"),
                err("415"),
            ]
        };
        let mut replaced = vec![(
            "200",
            versioned(&format!("The {name} as replaced."), resource),
        )];
        replaced.extend(write_errors());
        let replace = self.operation(
            &format!("replace{name}"),
            &format!("Replace a {name}"),
            tag,
            parameters.clone(),
            Some(input.clone()),
            replaced,
        );
        // 200 with the resource, 204 without it, or both when tenants differ.
        let config = self.handler.config();
        let no_content = std::iter::once(&config.defaults)
            .chain(config.tenants.values())
            .map(|tenant| tenant.compatibility.patch_no_content);
        let with_body = no_content.clone().any(|no| !no);
        let without = no_content.clone().any(|no| no);
        let mut patch_responses = Vec::new();
        if with_body {
            patch_responses.push((
                "200",
                versioned(&format!("The {name} as patched."), resource),
            ));
        }
        if without {
            patch_responses.push((
                "204",
                json!({"description": "Patched; the new version is in ETag.", "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}}),
            ));
        }
        patch_responses.extend(write_errors());
        let patch = self.operation(
            &format!("patch{name}"),
            &format!(
                "Change a {name} with a PatchOp; without If-Match no concurrent update is lost"
            ),
            tag,
            parameters,
            Some(body(schema_ref("PatchOp"))),
            patch_responses,
        );
        let delete = self.operation(
            &format!("delete{name}"),
            &format!("Delete a {name}"),
            tag,
            params(&["If-Match"]),
            None,
            vec![
                ("204", json!({"description": "Deleted."})),
                err("400"),
                err("404"),
                err("412"),
            ],
        );
        (get, replace, patch, delete)
    }

    /// `/.search`, `/Bulk`, `/Me` (when offered) and discovery.
    pub(super) fn service(&self, paths: &mut Map<String, Value>, me: bool) {
        let search = self.message(
            [
                "searchAll",
                "Search every resource type with a SearchRequest",
                "Search",
            ],
            "SearchRequest",
            ok("The resources found.", schema_ref("ListResponse")),
        );
        paths.insert("/.search".into(), json!({"post": search}));
        let bulk = self.message(
            [
                "bulk",
                "Many operations in one request, bulkIds resolved across them",
                "Bulk",
            ],
            "BulkRequest",
            ok("Each operation's outcome.", schema_ref("BulkResponse")),
        );
        paths.insert("/Bulk".into(), json!({"post": bulk}));
        if me {
            self.me(paths);
        }
        self.discovery(paths);
    }

    /// `/Me`: the authenticated principal's User.
    fn me(&self, paths: &mut Map<String, Value>) {
        let user = schema_ref("User");
        let get = self.operation(
            "getMe",
            "Read the authenticated principal's User",
            &["Me"],
            params(&["attributes", "excludedAttributes"]),
            None,
            vec![
                ("200", versioned("The principal's User.", &user)),
                err("400"),
                err("404"),
                err("501"),
            ],
        );
        paths.insert("/Me".into(), json!({"get": get}));
    }

    /// `/ServiceProviderConfig`, `/ResourceTypes[/{id}]`, `/Schemas[/{id}]`.
    fn discovery(&self, paths: &mut Map<String, Value>) {
        let entries = [
            (
                "/ServiceProviderConfig",
                "getServiceProviderConfig",
                "What the service supports",
                "ServiceProviderConfig",
                false,
            ),
            (
                "/ResourceTypes",
                "listResourceTypes",
                "Every resource type",
                "ListResponse",
                false,
            ),
            (
                "/ResourceTypes/{id}",
                "getResourceType",
                "One resource type",
                "ResourceType",
                true,
            ),
            (
                "/Schemas",
                "listSchemas",
                "Every schema",
                "ListResponse",
                false,
            ),
            ("/Schemas/{id}", "getSchema", "One schema", "Schema", true),
        ];
        for (path, id, summary, schema, one) in entries {
            let mut responses = vec![("200", ok(summary, schema_ref(schema)))];
            let mut parameters = vec![];
            if one {
                responses.push(err("404"));
                parameters.push(param("id"));
            }
            let mut operation =
                self.operation(id, summary, &["Discovery"], parameters, None, responses);
            if self.config.open_discovery {
                operation["security"] = json!([]);
                if let Some(responses) = operation["responses"].as_object_mut() {
                    responses.remove("401");
                }
            }
            paths.insert(path.into(), json!({"get": operation}));
        }
    }

    /// A `POST` of a SCIM message (SearchRequest, BulkRequest) answered with `answer`:
    /// `[operationId, summary, tag]`.
    fn message(&self, [id, summary, tag]: [&str; 3], request: &str, answer: Value) -> Value {
        let errors = [err("400"), err("413"), err("415")];
        let responses = std::iter::once(("200", answer)).chain(errors).collect();
        self.operation(
            id,
            summary,
            &[tag],
            vec![],
            Some(body(schema_ref(request))),
            responses,
        )
    }

    /// One operation; `401` (and `403` when the tenant is in the path) added to its
    /// responses.
    fn operation(
        &self,
        id: &str,
        summary: &str,
        tags: &[&str],
        parameters: Vec<Value>,
        request_body: Option<Value>,
        responses: Vec<(&str, Value)>,
    ) -> Value {
        let mut all: Map<String, Value> = responses
            .into_iter()
            .map(|(s, r)| (s.to_owned(), r))
            .collect();
        all.insert("401".into(), error_ref("401"));
        if self.config.tenant_in_path {
            all.insert("403".into(), error_ref("403"));
        }
        let limits = &self.config.limits;
        if limits.rate.is_some() || limits.max_in_flight.is_some() {
            all.insert("429".into(), error_ref("429"));
        }
        // The store answers every operation but discovery: when it cannot be reached
        // or written, that is a 503 too.
        if limits.timeout.is_some() || tags != ["Discovery"] {
            all.insert("503".into(), error_ref("503"));
        }
        let mut operation = json!({
            "operationId": id,
            "summary": summary,
            "tags": tags,
            "responses": all,
        });
        if !parameters.is_empty() {
            operation["parameters"] = json!(parameters);
        }
        if let Some(request_body) = request_body {
            operation["requestBody"] = request_body;
        }
        operation
    }
}

/// The query parameters of a list (RFC 7644 section 3.4.2).
const LIST_PARAMETERS: [&str; 8] = [
    "filter",
    "sortBy",
    "sortOrder",
    "startIndex",
    "count",
    "cursor",
    "attributes",
    "excludedAttributes",
];

/// What each list parameter means.
const LIST_PARAMETER_DOCS: [(&str, &str); 8] = [
    (
        "filter",
        "A SCIM filter (RFC 7644 section 3.4.2.2), such as userName eq \"bjensen\". The server reads the whole grammar (parentheses, not, value paths); the pattern describes comparisons joined by and / or.",
    ),
    ("sortBy", "The attribute to sort by."),
    (
        "sortOrder",
        "ascending (the default) or descending, in any letter case.",
    ),
    (
        "startIndex",
        "The 1-based index of the first result; less than 1 is read as 1.",
    ),
    (
        "count",
        "The most results to return; less than 0 is read as 0, more than the largest page as the largest page.",
    ),
    (
        "cursor",
        "Cursor pagination (RFC 9865): empty for the first page, then a page's nextCursor or previousCursor.",
    ),
    (
        "attributes",
        "Comma-separated attributes to return (and those always returned).",
    ),
    (
        "excludedAttributes",
        "Comma-separated attributes to leave out.",
    ),
];

/// The shared parameters, by name.
pub(super) fn parameters() -> Value {
    let query = |name: &str, description: &str, schema: Value| json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema});
    // The server reads at most 8 KiB of a precondition header.
    let tags = json!({"type": "string", "maxLength": 8192, "pattern": patterns::entity_tags()});
    // Any id but `.search`, which names the search endpoint.
    let id = json!({"type": "string", "pattern": format!("^(?!{}$).+$", patterns::any_case("[.]search"))});
    let list = schemas::list_parameters();
    let param = |name: &str| {
        query(
            name,
            LIST_PARAMETER_DOCS
                .iter()
                .find(|(n, _)| *n == name)
                .map_or("", |(_, d)| d),
            list[name].clone(),
        )
    };
    json!({
        "id": {"name": "id", "in": "path", "required": true, "description": "The resource's id.", "schema": id},
        "filter": param("filter"),
        "sortBy": param("sortBy"),
        "sortOrder": param("sortOrder"),
        "startIndex": param("startIndex"),
        "count": param("count"),
        "cursor": param("cursor"),
        "attributes": param("attributes"),
        "excludedAttributes": param("excludedAttributes"),
        "If-Match": {"name": "If-Match", "in": "header", "required": false, "description": "Act only if the resource is at one of these versions (weak comparison); 412 otherwise.", "schema": tags.clone()},
        "If-None-Match": {"name": "If-None-Match", "in": "header", "required": false, "description": "Act only if the resource is at none of these versions: 304 for a read, 412 for a write.", "schema": tags}
    })
}

/// The shared response headers.
pub(super) fn headers() -> Value {
    json!({
        "ETag": {"description": "The resource's version, a weak entity tag equal to meta.version.", "schema": {"type": "string", "pattern": "^W/\".*\"$"}},
        "Location": {"description": "Where the resource lives (its meta.location).", "schema": {"type": "string"}},
        "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "string", "pattern": "^[0-9]+$"}}
    })
}

/// The shared error responses, by name.
pub(super) fn error_responses() -> Value {
    let mut responses = Map::new();
    for (status, name, description) in ERRORS {
        let mut response = json!({"description": description, "content": {SCIM_JSON: {"schema": schema_ref("Error")}}});
        if matches!(status, "429" | "503") {
            response["headers"] =
                json!({"Retry-After": {"$ref": "#/components/headers/Retry-After"}});
        }
        responses.insert(name.into(), response);
    }
    Value::Object(responses)
}

/// A reference to the shared error response of a status.
fn error_ref(status: &str) -> Value {
    let name = ERRORS
        .iter()
        .find(|(code, _, _)| *code == status)
        .map_or("BadRequest", |(_, name, _)| name);
    json!({"$ref": format!("#/components/responses/{name}")})
}

/// `(status, its error response)`.
fn err(status: &str) -> (&str, Value) {
    (status, error_ref(status))
}

/// References to shared parameters.
fn params(names: &[&str]) -> Vec<Value> {
    names.iter().map(|name| param(name)).collect()
}

fn param(name: &str) -> Value {
    json!({"$ref": format!("#/components/parameters/{name}")})
}

/// A JSON request body of this schema, in either media type the server reads.
fn body(schema: Value) -> Value {
    json!({
        "required": true,
        "content": {
            SCIM_JSON: {"schema": schema.clone()},
            "application/json": {"schema": schema}
        }
    })
}

/// A `200` whose body is this schema.
fn ok(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {SCIM_JSON: {"schema": schema}}})
}

/// A response carrying one resource and its `ETag`.
fn versioned(description: &str, schema: &Value) -> Value {
    let mut response = ok(description, schema.clone());
    response["headers"] = json!({"ETag": {"$ref": "#/components/headers/ETag"}});
    response
}

/// A page of resources of one type.
fn listed(name: &str) -> Value {
    ok(
        &format!("A page of {name} resources."),
        schema_ref(&format!("{name}ListResponse")),
    )
}

/// A link from a create to an operation on the resource it created.
fn link(operation_id: &str) -> Value {
    json!({"operationId": operation_id, "parameters": {"id": "$response.body#/id"}})
}
