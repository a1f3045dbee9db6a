-- POST /Users with a unique userName, a displayName and a work address per request.

-- wrk.format does not add the -H headers when given headers of its own.
function headers_with(extra)
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  for name, value in pairs(extra) do headers[name] = value end
  return headers
end

local counter = 0
local prefix = tostring(os.time()) .. "-" .. tostring(math.random(1, 1e9))
request = function()
  counter = counter + 1
  local name = "load-" .. prefix .. "-" .. counter
  local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"' .. name
    .. '","displayName":"Load User ' .. counter .. '","active":true,"emails":[{"value":"' .. name
    .. '@example.com","type":"work"}]}'
  return wrk.format("POST", "/scim/v2/Users", headers_with({["Content-Type"] = "application/scim+json"}), body)
end
