-- Keeping a client's secrets (API key, REST key, project key) out of what it hands back or reports:
-- errors, events, results that may be logged. One place, so that every path redacts the same way.
local type, pairs, lower, sub = type, pairs, string.lower, string.sub
local redact_c = require("batch.core").redact

local _M = {}

-- s with every occurrence of the client's keys replaced by "***" (nil stays nil).
local function text(client, s)
  if s == nil then return nil end
  local o = client.opts
  return redact_c(s, o.api_key, o.rest_key, o.project_key)
end
_M.text = text

-- s cut to at most `limit` bytes, redacted. The cut is made after redacting a window a key longer, so
-- that a key straddling the cut is not left half visible; a huge body costs only the window.
function _M.cut(client, s, limit)
  if type(s) ~= "string" then return s end
  if #s <= limit then return text(client, s) end
  local o = client.opts
  local longest = #(o.api_key or "") + #(o.rest_key or "") + #(o.project_key or "")
  return sub(text(client, sub(s, 1, limit + longest)), 1, limit)
end

-- Header names come lower-cased from the transports: a key echoed in a name is matched lower-cased too.
local function name(client, s)
  local o = client.opts
  local k1, k2, k3 = o.api_key, o.rest_key, o.project_key
  return redact_c(s, k1 and lower(k1), k2 and lower(k2), k3 and lower(k3), k1, k2, k3)
end

-- A copy of response headers with the keys redacted from names and values. A Location (Batch's 302 and
-- 307 to storage) loses its query: it is the link's signature, good for 20 minutes to whoever reads it.
function _M.headers(client, h)
  if type(h) ~= "table" then return nil end
  local out = {}
  for k, v in pairs(h) do
    if type(v) == "string" then v = k == "location" and _M.link(client, v) or text(client, v) end
    if type(k) == "string" then k = name(client, k) end
    out[k] = v
  end
  return out
end

-- A copy of t (a decoded answer) with the keys redacted from every string, keys and values, at any
-- depth (at most 32 levels are walked). For what an error carries: an error may be logged whole.
local function tree(client, t, depth)
  if type(t) == "string" then return text(client, t) end
  if type(t) ~= "table" or depth > 32 then return t end
  local out = {}
  for k, v in pairs(t) do out[tree(client, k, 33)] = tree(client, v, depth + 1) end
  return out
end
function _M.tree(client, t) return tree(client, t, 0) end

-- The request headers as they may be shown: the credential headers' values replaced by "***".
local CREDENTIALS = { ["x-authorization"] = true, authorization = true, ["x-batch-project"] = true }
function _M.request_headers(client, h)
  local out = {}
  for k, v in pairs(h or {}) do
    out[k] = CREDENTIALS[lower(k)] and "***" or text(client, v)
  end
  return out
end

-- A signed link as it may be shown: without its query (the signature), keys redacted.
function _M.link(client, url)
  return text(client, (url:match("^[^?#]*")))
end

return _M
