//! Bulk (RFC 7644 section 3.7): many operations in one request, with `bulkId`
//! references resolved across them.
//!
//! Operations run in order, except that one referring to a `bulkId` waits until the
//! operation that creates it has run (forward references work). Operations that wait
//! on each other in a cycle fail with `409` and say so; a reference to a `bulkId`
//! that no operation creates, or whose creation failed, fails with `409` too.

use std::collections::HashMap;

use http::StatusCode;
use scim_schema::{ScimType, builtin};
use scim_version::Precondition;
use serde_json::{Value, json};

use crate::{
    ErrorKind, Operation, ScimError, ScimOperation, ScimOperationHandler, ScimOperationRequest,
    ScimOperationResponse, Target,
};

const BULK_ID_PREFIX: &str = "bulkId:";

struct BulkOperation {
    method: String,
    bulk_id: Option<String>,
    path: String,
    data: Option<Value>,
    version: Option<String>,
}

impl ScimOperationHandler {
    pub(crate) async fn bulk(
        &self,
        request: &ScimOperationRequest,
    ) -> Result<ScimOperationResponse, ScimError> {
        let body = self.body(request)?;
        let limits = self.config().bulk;
        let size = request.body_size.unwrap_or_else(|| body.to_string().len());
        if size > limits.max_payload_size {
            return Err(ScimError::new(
                ErrorKind::PayloadTooLarge,
                format!(
                    "the bulk request is {size} bytes; maxPayloadSize is {}",
                    limits.max_payload_size
                ),
            ));
        }
        let (operations, fail_on_errors) = parse_bulk(body)?;
        if operations.len() > limits.max_operations {
            return Err(ScimError::new(
                ErrorKind::TooManyOperations,
                format!(
                    "the bulk request has {} operations; maxOperations is {}",
                    operations.len(),
                    limits.max_operations
                ),
            ));
        }

        let mut created: HashMap<String, String> = HashMap::new();
        let mut results: Vec<Option<Value>> = vec![None; operations.len()];
        let mut pending: Vec<usize> = (0..operations.len()).collect();
        let mut errors = 0usize;
        'rounds: while !pending.is_empty() {
            let mut progress = false;
            let mut still_pending = Vec::new();
            for &index in &pending {
                let operation = &operations[index];
                let references = references_of(operation);
                let waiting = references.iter().any(|r| {
                    !created.contains_key(r)
                        && pending.iter().any(|&p| {
                            p != index
                                && results[p].is_none()
                                && operations[p].bulk_id.as_deref() == Some(r)
                        })
                });
                if waiting {
                    still_pending.push(index);
                    continue;
                }
                progress = true;
                let result = match references.iter().find(|r| !created.contains_key(*r)) {
                    Some(missing) => error_result(
                        operation,
                        ScimError::new(
                            ErrorKind::Conflict,
                            format!("bulkId {missing:?} could not be resolved"),
                        ),
                    ),
                    None => self.run(request, operation, &created).await,
                };
                let status = result.response.status;
                if let (Some(bulk_id), Some(id)) = (&operation.bulk_id, &result.id) {
                    created.insert(bulk_id.clone(), id.clone());
                }
                results[index] = Some(result.json);
                if !status.is_success() {
                    errors += 1;
                    if fail_on_errors.is_some_and(|limit| errors >= limit) {
                        break 'rounds;
                    }
                }
            }
            if !progress {
                // Everything left waits on something else left: a cycle.
                for &index in &still_pending {
                    let err = ScimError::new(ErrorKind::Conflict, "circular bulkId reference");
                    results[index] = Some(error_result(&operations[index], err).json);
                }
                break;
            }
            pending = still_pending;
        }
        let operations: Vec<Value> = results.into_iter().flatten().collect();
        Ok(ScimOperationResponse::json(
            StatusCode::OK,
            json!({"schemas": [builtin::BULK_RESPONSE], "Operations": operations}),
        ))
    }

    /// Runs one bulk operation, with `bulkId`s replaced by the ids created so far.
    async fn run(
        &self,
        request: &ScimOperationRequest,
        operation: &BulkOperation,
        created: &HashMap<String, String>,
    ) -> OperationResult {
        let path = substitute_str(&operation.path, created);
        let data = operation.data.as_ref().map(|d| substitute(d, created));
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let target = |resource_type: &str, id: &str| Target::Resource {
            resource_type: resource_type.to_owned(),
            id: id.to_owned(),
        };
        let body = || data.clone().unwrap_or(Value::Null);
        let (sub_operation, resource_type, id) = match (
            operation.method.to_ascii_uppercase().as_str(),
            segments.as_slice(),
        ) {
            ("POST", [resource_type]) => {
                let resource_type = (*resource_type).to_owned();
                let create = ScimOperation::Create {
                    resource_type,
                    body: body(),
                };
                (create, segments[0], None)
            }
            ("PUT", [resource_type, id]) => {
                let replace = ScimOperation::Replace {
                    target: target(resource_type, id),
                    body: body(),
                };
                (replace, *resource_type, Some(*id))
            }
            ("PATCH", [resource_type, id]) => {
                let patch = ScimOperation::Patch {
                    target: target(resource_type, id),
                    body: body(),
                };
                (patch, *resource_type, Some(*id))
            }
            ("DELETE", [resource_type, id]) => {
                let delete = ScimOperation::Delete {
                    target: target(resource_type, id),
                };
                (delete, *resource_type, Some(*id))
            }
            _ => {
                let err = ScimError::invalid(
                    ScimType::InvalidSyntax,
                    format!(
                        "{} {} is not a bulk operation",
                        operation.method, operation.path
                    ),
                );
                return error_result(operation, err);
            }
        };
        if resource_type.eq_ignore_ascii_case("Bulk") {
            return error_result(
                operation,
                ScimError::invalid(ScimType::InvalidSyntax, "Bulk cannot nest"),
            );
        }
        let expected_version = match operation
            .version
            .as_deref()
            .map(Precondition::parse)
            .transpose()
        {
            Ok(version) => version,
            Err(err) => return error_result(operation, err.into()),
        };
        let kind = sub_operation.kind();
        let sub_request = ScimOperationRequest {
            expected_version,
            context: request.context.clone(),
            base_url: request.base_url.clone(),
            ..ScimOperationRequest::new(sub_operation)
        };
        let outcome = self.write_operation(&sub_request).await;
        self.observe(&sub_request, &outcome);
        let response = match outcome {
            Ok(response) => response,
            Err(err) => err.into(),
        };
        let created_id = response
            .body
            .as_ref()
            .and_then(|b| b.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .filter(|_| kind == Operation::Create && response.status == StatusCode::CREATED);
        let mut json = json!({"method": operation.method, "status": response.status.as_str()});
        if let Some(bulk_id) = &operation.bulk_id {
            json["bulkId"] = json!(bulk_id);
        }
        let location = response.location.clone().or_else(|| {
            let id = created_id.as_deref().or(id)?;
            let definition = self.registry().resource_type_by_endpoint(resource_type)?;
            (response.is_success() && kind != Operation::Delete)
                .then(|| self.location(request, definition, id))
        });
        if let Some(location) = location {
            json["location"] = json!(location);
        }
        if let Some(version) = &response.current_version {
            json["version"] = json!(version.to_http_header());
        }
        if !response.is_success() {
            json["response"] = response.body.clone().unwrap_or(Value::Null);
        }
        OperationResult {
            response,
            json,
            id: created_id,
        }
    }
}

struct OperationResult {
    response: ScimOperationResponse,
    json: Value,
    id: Option<String>,
}

fn error_result(operation: &BulkOperation, err: ScimError) -> OperationResult {
    let mut json = json!({"method": operation.method, "status": err.status().as_str(), "response": err.to_json()});
    if let Some(bulk_id) = &operation.bulk_id {
        json["bulkId"] = json!(bulk_id);
    }
    OperationResult {
        response: err.into(),
        json,
        id: None,
    }
}

fn parse_bulk(body: &Value) -> Result<(Vec<BulkOperation>, Option<usize>), ScimError> {
    let syntax = |message: &str| ScimError::invalid(ScimType::InvalidSyntax, message);
    let object = body
        .as_object()
        .ok_or_else(|| syntax("a BulkRequest must be a JSON object"))?;
    let get = |o: &serde_json::Map<String, Value>, name: &str| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let is_bulk = get(object, "schemas")
        .and_then(|s| s.as_array().cloned())
        .is_some_and(|s| {
            s.iter().any(|u| {
                u.as_str()
                    .is_some_and(|u| u.eq_ignore_ascii_case(builtin::BULK_REQUEST))
            })
        });
    if !is_bulk {
        return Err(syntax(
            "a BulkRequest must list urn:ietf:params:scim:api:messages:2.0:BulkRequest in \"schemas\"",
        ));
    }
    let fail_on_errors = match get(object, "failOnErrors") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            crate::list::whole_number(&n)
                .filter(|&n| n > 0)
                .ok_or_else(|| syntax("failOnErrors must be a positive integer"))?
                as usize,
        ),
        Some(_) => return Err(syntax("failOnErrors must be a positive integer")),
    };
    let operations = get(object, "Operations")
        .and_then(|o| o.as_array().cloned())
        .ok_or_else(|| syntax("a BulkRequest needs an \"Operations\" array"))?;
    let operations = operations
        .iter()
        .map(|op| {
            let op = op
                .as_object()
                .ok_or_else(|| syntax("each bulk operation must be a JSON object"))?;
            // A member given as anything but a string is refused, never ignored.
            let text = |name: &str| match get(op, name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) => Ok(Some(text)),
                Some(_) => Err(syntax(&format!(
                    "the bulk operation's \"{name}\" must be a string"
                ))),
            };
            let method =
                text("method")?.ok_or_else(|| syntax("each bulk operation needs a \"method\""))?;
            let path =
                text("path")?.ok_or_else(|| syntax("each bulk operation needs a \"path\""))?;
            let bulk_id = text("bulkId")?;
            if method.eq_ignore_ascii_case("POST") && bulk_id.is_none() {
                return Err(syntax("a bulk POST needs a \"bulkId\""));
            }
            Ok(BulkOperation {
                method: method.to_ascii_uppercase(),
                bulk_id,
                path,
                data: get(op, "data"),
                version: text("version")?,
            })
        })
        .collect::<Result<_, ScimError>>()?;
    Ok((operations, fail_on_errors))
}

/// The `bulkId`s an operation refers to (other than its own).
fn references_of(operation: &BulkOperation) -> Vec<String> {
    let mut found = Vec::new();
    collect_references(&Value::String(operation.path.clone()), &mut found);
    if let Some(data) = &operation.data {
        collect_references(data, &mut found);
    }
    found.retain(|r| Some(r) != operation.bulk_id.as_ref());
    found.sort();
    found.dedup();
    found
}

fn collect_references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::String(s) => {
            for segment in s.split('/') {
                if let Some(id) = segment.strip_prefix(BULK_ID_PREFIX) {
                    found.push(id.to_owned());
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, found)),
        Value::Object(map) => map.values().for_each(|v| collect_references(v, found)),
        _ => {}
    }
}

fn substitute_str(text: &str, created: &HashMap<String, String>) -> String {
    text.split('/')
        .map(|segment| {
            match segment
                .strip_prefix(BULK_ID_PREFIX)
                .and_then(|b| created.get(b))
            {
                Some(id) => id.as_str(),
                None => segment,
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn substitute(value: &Value, created: &HashMap<String, String>) -> Value {
    match value {
        Value::String(s) if s.contains(BULK_ID_PREFIX) => Value::String(substitute_str(s, created)),
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, created)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, created)))
                .collect(),
        ),
        other => other.clone(),
    }
}
