-- The route table: every Batch route the client calls, declared once, as data. Each file of this folder
-- returns an array of entries:
--   name       "campaigns.get": the key other modules look the route up by
--   lua        "campaigns:get": the public method built on it (the API reference has an entry for it)
--   method     "GET", "POST", "PUT", "PATCH", "DELETE"
--   family     "1.0" | "1.1" (API key in the path, X-Authorization) or "2" (Bearer + X-Batch-Project,
--              under the client's api_version)
--   path       after the family's prefix, with {param} placeholders: "/campaigns/{token}"; "{url}" alone
--              means a URL Batch handed out (file_url, files[].url), put on the client's base_url
--   params     { param = kind } the checks of the path parameters (batch.rules.kinds); `encode` lists the
--              ones percent-encoded into the path (custom IDs, names)
--   query      { { name, kind, required }, ... } query parameters, in the order they are sent
--   body       nil (no body), "object", "array", or a function(body, fname, p) -> true | body | nil, err
--              that checks a body before anything is sent (what Batch does not document is left to
--              Batch); a table it returns is sent instead (a checked copy, e.g. times put in Batch's form)
--   cap        { max = N, what = "...", of = "field" | nil }: the per-call item cap (the body array, or
--              the array at body[of])
--   expect     the accepted statuses
--   result     "object", "array", "true" (the call returns true), "redirect" (the raw answer: its
--              Location is read), "any"
--   fields     { name = Lua type } what a read's result must have (else INVALID_RESPONSE); on a write they are only
--              expected (a 2xx missing them is still a success, with `raw`: batch-api.md is unsure of most
--              success bodies, and an error would invite a resend)
--   aliases    { id = { "id", "token" } }: result.id from the first of these present
--   write      true for a write (default: every method but GET and HEAD)
--   doc        Batch's documentation page the entry follows (batch-api.md names it), and `section`
local ipairs, pairs, error, tostring = ipairs, pairs, error, tostring
local kinds = require("batch.rules").kinds
local raise = require("batch.validate").raise
local find, gmatch, sub, sort = string.find, string.gmatch, string.sub, table.sort

local FILES = {
  "batch.routes.campaigns",          -- 1.1: push and in-app campaigns
  "batch.routes.exports",            -- 1.0: CSV exports
  "batch.routes.transactional",      -- 1.1: transactional pushes
  "batch.routes.custom_data",        -- 1.0: custom data
  "batch.routes.events",             -- 1.0: trigger events
  "batch.routes.custom_audiences",   -- 1.0 and 1.1: custom audiences
  "batch.routes.gdpr",               -- 1.0: GDPR requests
  "batch.routes.project_exports",    -- 2.x: profile exports and project exports
  "batch.routes.profiles",           -- 2.x: profile updates
  "batch.routes.audiences",          -- 2.x: audiences
  "batch.routes.orchestrations",     -- 2.x: campaigns and orchestrations
  "batch.routes.catalogs",           -- 2.x: catalogs
}

local _M = { list = {}, by_name = {} }

local function set_of(list)
  local s = {}
  for _, v in ipairs(list or {}) do s[v] = true end
  return s
end

-- The kinds whose values are strings of letters, digits, '_' and '-' once checked: they go into a path
-- as they are (no tostring, no percent-encoding).
local AS_IS = { token = true, id = true }

-- Splits a path template into its pieces: "/a/{x}/b" -> { { text = "/a/" }, { name = "x" }, { text = "/b" } },
-- a parameter's piece saying whether it is percent-encoded (`encode`) or goes in as it is (`as_is`).
local function compile(r)
  local pieces, i, path = {}, 1, r.path
  local encode = set_of(r.encode)
  while true do
    local a, b, name = find(path, "{([%w_]+)}", i)
    if not a then break end
    if a > i then pieces[#pieces + 1] = { text = sub(path, i, a - 1) } end
    local kind = r.params and r.params[name]
    pieces[#pieces + 1] = { name = name, encode = encode[name], as_is = not encode[name] and AS_IS[kind] }
    i = b + 1
  end
  if i <= #path then pieces[#pieces + 1] = { text = sub(path, i) } end
  return pieces
end

-- An array of { key, value } of a table, in the order of the keys: what a call walks with a numeric
-- loop (a `pairs` loop costs a call per step, on every call).
local function sorted_pairs(t, value_of)
  local out = {}
  for k, v in pairs(t or {}) do out[#out + 1] = { k, value_of and value_of(v) or v } end
  sort(out, function(a, b) return a[1] < b[1] end)
  return out
end

-- Completes a route entry with what its calls read, made once: the pieces of its path, its accepted
-- statuses as a set, its write flag, the checks of its path parameters (`checks`: { name, check }) and
-- the fields its result must have (`shape`: { name, Lua type }). client:api's ad hoc routes are made the
-- same way (batch.raw), bringing their own pieces (the path as it was given) and statuses (any 2xx).
function _M.prepare(r)
  r.pieces = r.pieces or compile(r)
  r.expect_set = r.expect_set or set_of(r.expect)
  if r.write == nil then r.write = r.method ~= "GET" and r.method ~= "HEAD" end
  r.checks = sorted_pairs(r.params, function(kind) return kinds[kind] end)
  r.shape = sorted_pairs(r.fields)
  return r
end

local REQUIRED = { "name", "lua", "method", "family", "path", "expect", "result", "doc", "section" }

for _, file in ipairs(FILES) do
  for _, r in ipairs(require(file)) do
    for _, k in ipairs(REQUIRED) do
      if r[k] == nil then error(file .. ": route " .. tostring(r.name) .. " has no " .. k) end
    end
    if _M.by_name[r.name] then error(file .. ": route " .. r.name .. " is declared twice") end
    for name in gmatch(r.path, "{([%w_]+)}") do
      if name ~= "url" and not (r.params and r.params[name]) then
        error(file .. ": route " .. r.name .. " has no check for its path parameter " .. name)
      end
    end
    for _, kind in pairs(r.params or {}) do
      if not kinds[kind] then error(file .. ": route " .. r.name .. " names an unknown check " .. kind) end
    end
    for _, q in ipairs(r.query or {}) do
      if not kinds[q[2]] then error(file .. ": route " .. r.name .. " names an unknown check " .. q[2]) end
    end
    _M.prepare(r)
    _M.list[#_M.list + 1] = r
    _M.by_name[r.name] = r
  end
end

-- The route named name; raises on an unknown name (a bug of the client).
function _M.get(name)
  local r = _M.by_name[name]
  if not r then raise("batch: no route named " .. tostring(name)) end
  return r
end

-- The routes of one API by operation: group("custom_data") -> { set = route, set_many = route, ... };
-- suffix "@1.0" picks the entries of another version ("custom_audiences.create@1.0").
function _M.group(prefix, suffix)
  local out, tail = {}, suffix or ""
  for _, r in ipairs(_M.list) do
    local op = r.name:match("^" .. prefix:gsub("%p", "%%%0") .. "%.([%w_]+)" .. tail:gsub("%p", "%%%0") .. "$")
    if op then out[op] = r end
  end
  return out
end

-- The route table as documentation: { name, lua, method, path (as batch-api.md writes it), doc, ... }.
function _M.describe()
  local out = {}
  for _, r in ipairs(_M.list) do
    local prefix = r.family == "2" and "/2.N" or ("/" .. r.family .. "/{api_key}")
    out[#out + 1] = { name = r.name, lua = r.lua, method = r.method,
                      path = r.path == "{url}" and r.url_path or (prefix .. r.path), doc = r.doc,
                      section = r.section, write = r.write, cap = r.cap and r.cap.max }
  end
  return out
end

return _M
