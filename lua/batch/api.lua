-- Calls of the route table: a route entry (batch.routes) and the call's values become an engine job (URL,
-- query, headers, body, all checked before anything is sent), and the answer becomes the route's result
-- or a batch.Error. Resources are thin wrappers over request, request_many and pages.
local Error = require "batch.error"
local json = require "batch.json"
local validate = require "batch.validate"
local raise = validate.raise
local rules = require "batch.rules"
local engine = require "batch.engine"

local type, pairs, ipairs, tostring, next = type, pairs, ipairs, tostring, next
local concat, min = table.concat, math.min
local match, format = string.match, string.format
local coroutine_wrap, coroutine_yield = coroutine.wrap, coroutine.yield

local kinds, escape = rules.kinds, validate.escape

local _M = {}

------------------------------------------------------------------------------------------------------
-- Per client: the prefix of each API family and its headers, made once (a client's options never change)
------------------------------------------------------------------------------------------------------

-- base_url .. "/1.1/<api_key>" (1.x) or base_url .. "/<api_version>" (2.x). A client without the key a
-- family needs cannot make its calls: a programmer error.
local function prefix(client, route)
  local family = route.family
  local p = client.prefixes[family]
  if p then return p end
  local o = client.opts
  if family == "2" then
    p = o.base_url .. "/" .. o.api_version
  else
    if not o.api_key then
      raise("batch: api_key is required for " .. match(route.lua, "^[^:]*")
            .. " calls (option api_key or BATCH_API_KEY)")
    end
    p = o.base_url .. "/" .. family .. "/" .. o.api_key
  end
  client.prefixes[family] = p
  return p
end

-- The headers of a JSON call of the route's family, with or without a body (kept by family, then by
-- with_body: no key string is made per call).
local function headers(client, family, with_body)
  local by_family = client.header_cache[family]
  if not by_family then
    by_family = {}
    client.header_cache[family] = by_family
  end
  with_body = not not with_body
  local h = by_family[with_body]
  if h then return h end
  local o = client.opts
  if not o.rest_key then
    raise("batch: rest_key is required (option rest_key or BATCH_REST_API_KEY)")
  end
  h = { Accept = "application/json" }
  if family == "2" then
    if not o.project_key then
      raise("batch: project_key is required for the 2.x project APIs (option project_key or BATCH_PROJECT_KEY)")
    end
    h.Authorization = "Bearer " .. o.rest_key
    h["X-Batch-Project"] = o.project_key
  else
    h["X-Authorization"] = o.rest_key
  end
  if with_body then h["Content-Type"] = "application/json" end
  by_family[with_body] = h
  return h
end
_M.headers = headers

-- A URL Batch handed out (file_url, files[].url), put on the client's base URL, so that credentials only
-- ever go to base_url's host. Returns the URL, or nil and an error.
function _M.on_base(client, url)
  local rest = type(url) == "string" and match(url, "^https?://[^/?#]+(.*)$")
  if not rest then return nil, Error.response("the export has no download URL") end
  return client.opts.base_url .. rest
end

------------------------------------------------------------------------------------------------------
-- Checks and the request
------------------------------------------------------------------------------------------------------

-- Checks the path parameters, query values, body and cap of a call. Returns true or nil, err.
local function check(route, p, fname)
  local checks = route.checks
  for i = 1, #checks do
    local name = checks[i][1]
    local ok, err = checks[i][2](fname, name, p[name])
    if not ok then return nil, err end
  end
  local query = route.query
  if query then
    for i = 1, #query do
      local q = query[i]
      local v = p[q[1]]
      if v == nil then
        if q[3] then raise(fname .. ": " .. q[1] .. " is required") end
      else
        local ok, err = kinds[q[2]](fname, q[1], v)
        if not ok then return nil, err end
      end
    end
  end
  local body = route.body
  if body then
    local b = p.body
    if body == "object" or body == "array" or type(body) == "function" then
      if type(b) ~= "table" then raise(format("%s: body must be a table, got %s", fname, type(b))) end
    end
    local cap = route.cap
    if cap then
      local items = cap.of and b[cap.of] or b
      if type(items) == "table" and #items > cap.max then
        return validate.invalid(format("%s: at most %d %s per call (got %d)", fname, cap.max, cap.what, #items))
      end
    end
    if type(body) == "function" then -- a check; it may give the body as it is sent (a checked copy)
      local ok, err = body(b, fname, p)
      if not ok then return nil, err end
      if type(ok) == "table" then p.body = ok end
    end
  end
  return true
end

-- The URL of a call (path parameters in place, then the query), joined with `..` as the pieces come: for
-- the one to three pieces of nearly every route, about 1k instructions a call less than gathering them
-- for table.concat.
local function url_of(client, route, p)
  local pieces = route.pieces
  local url = prefix(client, route)
  for i = 1, #pieces do
    local piece = pieces[i]
    local text = piece.text
    if text then
      url = url .. text
    else
      local name = piece.name
      local v = p[name]
      if name == "url" then return v end -- a URL Batch handed out, already on base_url
      if not piece.as_is then
        v = tostring(v)
        if piece.encode then v = escape(v) end
      end
      url = url .. v
    end
  end
  local query = route.query
  if query then
    local sep = "?"
    for i = 1, #query do
      local name = query[i][1]
      local v = p[name]
      if v ~= nil then
        url = url .. sep .. name .. "=" .. escape(tostring(v))
        sep = "&"
      end
    end
  end
  return url
end

-- The "what was expected" of an INVALID_RESPONSE message.
local function shape_name(route)
  if route.result == "array" then return "an array" end
  if route.fields then
    local names = {}
    for name in pairs(route.fields) do names[#names + 1] = name end
    return "an object with " .. concat(names, ", ")
  end
  return "an object"
end

local function is_object(v) return type(v) == "table" and v[1] == nil end -- an empty table is both
local function is_array(v) return type(v) == "table" and (next(v) == nil or v[1] ~= nil) end

-- The error fields of an answer whose status the route does not accept: Batch's code from its body.
local function answer_error(res)
  local body = res.body
  local doc = body and match(body, "^%s*{") and json.decode(body) or nil
  local e = Error.answer(res.status, doc)
  e.body, e.headers = body, res.headers
  return e
end
_M.answer_error = answer_error

-- What a 2xx answer of the route means: its result, or nil and the fields of INVALID_RESPONSE.
-- A write is a success on any accepted status: what its body lacks comes back with `raw`, the body text.
local function result_of(route, res)
  local value = res.json
  local raw = res.body
  local write = route.write
  if value == nil then
    local why
    value, why = json.decode(raw or "")
    if value == nil then
      if write then return { raw = raw } end
      return nil, Error.invalid_response("the response is not valid JSON (" .. tostring(why) .. ")",
                                         { status = res.status, body = raw or "" })
    end
  end
  local shape_ok
  if route.result == "array" then shape_ok = is_array(value) else shape_ok = is_object(value) end
  if shape_ok then
    local aliases = route.aliases
    if aliases then
      for name, from in pairs(aliases) do
        if value[name] == nil then
          for _, f in ipairs(from) do
            if value[f] ~= nil then value[name] = value[f] break end
          end
        end
      end
    end
    local shape = route.shape
    for i = 1, #shape do
      if type(value[shape[i][1]]) ~= shape[i][2] then shape_ok = false break end
    end
  end
  if shape_ok then return value end
  if write then
    if is_object(value) then value.raw = raw return value end
    return { raw = raw, value = value }
  end
  return nil, Error.invalid_response("the response does not have the expected shape: " .. shape_name(route),
                                     { status = res.status, body = raw or json.encode(value) })
end

-- The engine's reading of an answer to a route call.
local function classify(job, res)
  local route = job.route
  if not route.expect_set[res.status] then return nil, answer_error(res) end
  local result = route.result
  if result == "true" then return true end
  if result == "redirect" then
    res.url = job.url
    return res
  end
  if result == "raw" then -- client:api: the answer as it came, its JSON decoded when it is JSON
    if res.json == nil and res.body then res.json = json.decode(res.body) end
    return res
  end
  return result_of(route, res)
end

-- The request of an attempt of a route call (the engine gives the timeout left).
local function request(job, timeout)
  local o = job.client.opts
  return { method = job.method, url = job.url, headers = job.headers, body = job.body, timeout = timeout,
           connect_timeout = min(o.connect_timeout, timeout), decode = job.decode }
end

-- The engine job of a route call, or nil and INVALID_ARGUMENT (nothing will be sent).
-- p holds the path parameters, query values and `body`; opts the caller's deadline and timeout;
-- `deadline` (absolute) overrides opts.deadline (an iterator's, fixed when it was made).
function _M.job(client, route, p, opts, deadline)
  local fname = route.lua
  local ok, err = check(route, p, fname)
  if not ok then return nil, err end
  local text = p.body
  if text ~= nil and route.body and type(text) == "table" then
    local jerr
    text, jerr = json.encode(text)
    if not text then return validate.invalid(fname .. ": the body cannot be encoded as JSON: " .. tostring(jerr)) end
  end
  local url = url_of(client, route, p)
  if not url then return nil, Error.invalid_argument(fname .. ": no URL to call") end
  local result = route.result
  return {
    client = client, route = route, method = route.method, url = url, body = text,
    headers = headers(client, route.family, text ~= nil), write = route.write,
    decode = client.transport.decodes and not route.write and (result == "object" or result == "array")
             and "json" or nil,
    deadline = deadline or validate.deadline(client, opts), timeout = opts and opts.timeout,
    request = request, classify = classify,
  }
end

-- One call of a route: its result, or nil and a batch.Error.
function _M.request(client, route, p, opts, deadline)
  local job, err = _M.job(client, route, p, opts, deadline)
  if not job then return nil, err end
  return engine.call(client, job)
end

-- The same route called n times at once (at most `concurrency` in flight), param(i) giving the p of call
-- i when the engine has room for it, under one deadline (`deadline`, absolute, or opts.deadline).
-- Returns results and errors, tables by index.
function _M.request_many(client, route, n, param, opts, concurrency, deadline)
  local results, errors = {}, {}
  deadline = deadline or validate.deadline(client, opts)
  local i = 0
  -- each job is made when the engine has room for it, and dropped once its result is kept (the calls
  -- share their route and options: what raises for one, a missing key, raises for the first, unsent)
  local function make()
    while i < n do
      i = i + 1
      local job, err = _M.job(client, route, param(i), opts, deadline)
      if job then
        job.index = i
        return job
      end
      errors[i] = err
    end
  end
  local function ended(job)
    if job.value ~= nil then results[job.index] = job.value else errors[job.index] = job.err end
  end
  engine.stream(client, make, ended, { concurrency = concurrency, stream = true })
  return results, errors
end

------------------------------------------------------------------------------------------------------
-- Lists, page by page
------------------------------------------------------------------------------------------------------

-- An iterator that yields false, err once (for a failure found before any page).
function _M.failing(err)
  return coroutine_wrap(function() coroutine_yield(false, err) end)
end

-- An iterator over every item of a listing route, fetching pages lazily. style "offset" (1.x: `from`
-- is an offset, a short page is the last) or "cursor" (2.x: `from` is the previous page's next_from,
-- has_more says whether there is another); `items` names the array of a 2.x page. p holds the filters;
-- opts.page_size (1 to 100, default 100), opts.deadline (the whole iteration), opts.timeout (each page).
function _M.pages(client, route, p, opts, style, items)
  local fname = route.lua:gsub(":list$", ":each")
  local deadline = validate.deadline(client, opts)
  local page_size = opts and opts.page_size or 100
  local ok, verr = validate.int_range(fname, "page_size", page_size, 1, 100)
  if not ok then return _M.failing(verr) end
  local timeout = opts and opts.timeout
  return coroutine_wrap(function()
    local q = {}
    for k, v in pairs(p) do q[k] = v end
    q.limit = page_size
    local from = style == "offset" and 0 or nil
    while true do
      q.from = from
      local page, err = _M.request(client, route, q, { timeout = timeout }, deadline)
      if not page then coroutine_yield(false, err) return end
      local list = items and page[items] or page
      if type(list) ~= "table" then
        coroutine_yield(false, Error.response(fname .. ": a page without " .. tostring(items)))
        return
      end
      for _, item in ipairs(list) do coroutine_yield(item) end
      if style == "offset" then
        if #list < page_size then return end -- no total or cursor is documented: a short page is the last
        from = from + #list
      else
        from = page.next_from
        if not page.has_more or type(from) ~= "string" or from == "" then return end
      end
    end
  end)
end

return _M
