-- The files of exports, made on the fly: 1.0 CSV and 2.x NDJSON parts. Nothing is stored; record i
-- (1-based) is a pure function of i and the export's request, so any part can be made again at any time.
--
-- A record is a format string applied to i: every varying piece is a zero-padded number of fixed
-- width, or the i-th element of a short cycle (event names, regions). So the length of record i only
-- depends on (i - 1) % P, P being the lcm of the cycle lengths, and the size of any range of records
-- is exact and cheap to compute: Content-Length is known before the first byte is made.
-- Files are made in pieces of about 64 KiB (stream()), never whole.
local json = require "batch_mock.json"

local format, concat, gsub = string.format, table.concat, string.gsub
local floor, max, min = math.floor, math.max, math.min
local ipairs, os_date, loadstring = ipairs, os.date, loadstring or load

local _M = {}

_M.CHUNK = 65536
_M.BOM = "\239\187\191"

-- Column values of the 1.0 CSV (and identifiers of 2.x records), each with one %-conversion of i.
local ID_FMT = {
  install_id = "8c4e1d2a-5b1e-4c7d-9a3f-%012d",
  custom_id = "user-%010d",
  advertising_id = "AD1D5E6F-0A1B-4C2D-8E3F-%012d",
}

-- The special rows of csv_edge_cases: the value of the first column of rows 1, 2 and 3.
_M.EDGE_VALUES = {
  "semi;colon;value",
  'say "hello"',
  "line one\nline two\r\nline three",
}

local function escape_pct(s) return (gsub(s, "%%", "%%%%")) end

local function gcd(a, b)
  while b ~= 0 do a, b = b, a % b end
  return a
end

---------------------------------------------------------------------------------------- templates
-- A template is built from pieces: a constant string (already escaped for the output format), or
-- { num = "%010d" } (a conversion of i), { date = true } (the record's date, see date_of), or
-- { cycle = { e1, e2, ... } } (element (i - 1) % #cycle + 1), each element a string or a list of
-- the other pieces (cycles of one template line up: record i takes element (i - 1) % n of each).

-- The format string of record class r and its arguments ("i" or "date(i)"), in order.
local function flatten(pieces, r, out, args)
  for _, p in ipairs(pieces) do
    if type(p) == "string" then
      out[#out + 1] = escape_pct(p)
    elseif p.num then
      out[#out + 1] = p.num
      args[#args + 1] = "i"
    elseif p.date then
      out[#out + 1] = "%s"
      args[#args + 1] = "date(i)"
    else
      local e = p.cycle[(r - 1) % #p.cycle + 1]
      if type(e) == "string" then out[#out + 1] = escape_pct(e) else flatten(e, r, out, args) end
    end
  end
end

local function compile(pieces, t0)
  local period = 1
  for _, p in ipairs(pieces) do
    if type(p) == "table" and p.cycle then
      local n = #p.cycle
      period = period / gcd(period, n) * n
    end
  end
  local fmts, arglists, same = {}, {}, true
  for r = 1, period do
    local out, args = {}, {}
    flatten(pieces, r, out, args)
    fmts[r] = concat(out)
    arglists[r] = #args > 0 and (", " .. concat(args, ", ")) or ""
    if arglists[r] ~= arglists[1] then same = false end
  end

  -- record dates: t0 + (i - 1) seconds, RFC 3339 in UTC; the day part is cached
  local day, day_str = nil, nil
  local function date(i)
    local t = t0 + i - 1
    local d = floor(t / 86400)
    if d ~= day then
      day, day_str = d, os_date("!%Y-%m-%dT", d * 86400)
    end
    local s = t - d * 86400
    return format("%s%02d:%02d:%02dZ", day_str, floor(s / 3600), floor(s / 60) % 60, s % 60)
  end

  -- record(i) = format(fmts[(i - 1) % P + 1], <one argument per conversion>), compiled once per file;
  -- when the classes take different arguments, one function per class
  local src
  if same then
    src = "local format, fmts, P, date = ...\n"
      .. "return function(i) return format(fmts[(i - 1) % P + 1]" .. arglists[1] .. ") end"
  else
    local fns = {}
    for r = 1, period do
      fns[r] = "function(i) return format(fmts[" .. r .. "]" .. arglists[r] .. ") end"
    end
    src = "local format, fmts, P, date = ...\nlocal f = { " .. concat(fns, ",\n") .. " }\n"
      .. "return function(i) return f[(i - 1) % P + 1](i) end"
  end
  local record = assert(loadstring(src, "=exports_content.record"))(format, fmts, period, date)

  local pre = { [0] = 0 } -- pre[r]: bytes of records 1..r, r = 0..P
  for r = 1, period do pre[r] = pre[r - 1] + #record(r) end
  return { record = record, period = period, pre = pre, cycle_bytes = pre[period] }
end

-- Bytes of records 1..n.
local function bytes_upto(tpl, n)
  local q = floor(n / tpl.period)
  return q * tpl.cycle_bytes + tpl.pre[n - q * tpl.period]
end

-- The largest n such that records 1..n take at most `bytes`.
local function count_within(tpl, bytes)
  if bytes < 0 then return 0 end
  if tpl.cycle_bytes == 0 then return 0 end
  local q = floor(bytes / tpl.cycle_bytes)
  local rest = bytes - q * tpl.cycle_bytes
  local r = 0
  while r < tpl.period and tpl.pre[r + 1] <= rest do r = r + 1 end
  return q * tpl.period + r
end

---------------------------------------------------------------------------------------- 1.0 CSV
local function csv_quote(s)
  if s:find('[;"\r\n]') then return '"' .. gsub(s, '"', '""') .. '"' end
  return s
end

-- rec: { ids = {...}, events = {...}, what = "events" | "ids", edge = bool }
local function csv_template(rec)
  local eol = rec.edge and "\r\n" or "\n"
  local pieces, first_num = {}, nil
  for k, id in ipairs(rec.ids) do
    if k > 1 then pieces[#pieces + 1] = ";" end
    local fmt = ID_FMT[id] or (id .. "-%010d")
    local prefix, num = fmt:match("^(.-)(%%0%d+d)$")
    if prefix ~= "" then pieces[#pieces + 1] = prefix end
    pieces[#pieces + 1] = { num = num }
    if k == 1 then first_num = fmt end
  end
  if rec.what == "events" then
    pieces[#pieces + 1] = ";"
    pieces[#pieces + 1] = { cycle = rec.events }
  end
  pieces[#pieces + 1] = eol
  local tpl = compile(pieces, 0)
  local header = concat(rec.ids, ";") .. (rec.what == "events" and ";event_type" or "") .. eol
  tpl.head = (rec.edge and _M.BOM or "") .. header
  tpl.specials = {}
  if rec.edge then
    -- rows 1..3: the regular row with its first field replaced by a quoted special value
    for r, value in ipairs(_M.EDGE_VALUES) do
      local regular = tpl.record(r)
      local first = format(first_num, r)
      tpl.specials[r] = csv_quote(value) .. regular:sub(#first + 1)
    end
  end
  return tpl
end

-- The plan of a 1.0 file: { { first, count, specials, size } } (one part). The file holds `rows`
-- data rows, or when size is set as many as fit in it (at least the header).
local function csv_plan(tpl, rows, size)
  local head = #tpl.head
  local function total(n)
    local s = min(n, #tpl.specials)
    local b = head
    for r = 1, s do b = b + #tpl.specials[r] end
    return b + bytes_upto(tpl, n) - bytes_upto(tpl, s), s
  end
  local n = rows
  if size then
    n = 0
    while n < #tpl.specials and total(n + 1) <= size do n = n + 1 end
    if n == #tpl.specials then
      local fixed = total(n) - bytes_upto(tpl, n)
      n = max(n, count_within(tpl, size - fixed))
    end
  end
  local bytes, s = total(n)
  return { { part = 1, first = s + 1, count = n - s, specials = s, size = bytes } }
end

---------------------------------------------------------------------------------------- 2.x NDJSON
local REGIONS = { "FR", "US", "DE", "GB" }
local LANGUAGES = { "fr", "en", "de", "es" }

-- Values of well-known native attributes; any other attribute is the string "<name>-<i>".
local ATTRIBUTES = {
  ["$email_address"] = { '"user-', { num = "%010d" }, '@example.com"' },
  ["$email_marketing"] = { '"subscribed"' },
  ["$phone_number"] = { '"+1', { num = "%010d" }, '"' },
  ["$sms_marketing"] = { '"unsubscribed"' },
  ["$region"] = { '"', { cycle = REGIONS }, '"' },
  ["$language"] = { '"', { cycle = LANGUAGES }, '"' },
  ["$timezone"] = { '"Europe/Paris"' },
}

_M.DEFAULT_EVENTS = {
  EVENTS = { "add_to_cart", "purchase", "app_open" },
}

local EVENT_ID = "6156b060%024x" -- 32 hex digits, unique per record

-- Reachability records, in the shape of Batch's "Export profile data" page: an event object (channel,
-- id, timestamp, reasons and the channel's state fields) and an identifiers object (profile_id,
-- custom_id, and installation_id on PUSH events only). Six kinds of events in turn.
local REACHABILITY = {
  { "PUSH", { "SUBSCRIBED_TO_PUSH", "PUSH_TOKEN_ADDED" }, '"is_optin":true,"platform":"iOS"' },
  { "EMAIL", { "SUBSCRIBED_TO_EMAIL_MARKETING", "EMAIL_ADDRESS_ADDED" },
    '"has_email_address":true,"email_marketing":"subscribed"' },
  { "SMS", { "SUBSCRIBED_TO_SMS_MARKETING", "PHONE_NUMBER_ADDED" },
    '"has_phone_number":true,"sms_marketing":"subscribed"' },
  { "PUSH", { "UNSUBSCRIBED_FROM_PUSH" }, '"is_optin":false,"platform":"Android"' },
  { "EMAIL", { "UNSUBSCRIBED_FROM_EMAIL_MARKETING" }, '"has_email_address":true,"email_marketing":"unsubscribed"' },
  { "SMS", { "UNSUBSCRIBED_FROM_SMS_MARKETING", "PHONE_NUMBER_REMOVED" },
    '"has_phone_number":false,"sms_marketing":"unsubscribed"' },
}

local function reachability_pieces()
  local heads, tails, installs = {}, {}, {}
  for k, e in ipairs(REACHABILITY) do
    heads[k] = '{"event":{"channel":"' .. e[1] .. '","id":"'
    tails[k] = '","reasons":' .. json.encode(json.array(e[2])) .. "," .. e[3] .. "},"
    installs[k] = e[1] == "PUSH" and { ',"installation_id":"8c4e1d2a-5b1e-4c7d-9a3f-', { num = "%012d" }, '"' } or ""
  end
  return { { cycle = heads }, { num = EVENT_ID }, '","timestamp":"', { date = true }, { cycle = tails },
           '"identifiers":{"profile_id":"profile_', { num = "%032d" }, '","custom_id":"user-', { num = "%010d" }, '"',
           { cycle = installs }, "}" }
end

local function jstr(s)
  return json.encode(s)
end

local function append(pieces, list)
  for _, p in ipairs(list) do pieces[#pieces + 1] = p end
end

local function identifier_pieces(pieces, identifiers)
  pieces[#pieces + 1] = '"identifiers":{'
  for k, id in ipairs(identifiers) do
    if k > 1 then pieces[#pieces + 1] = "," end
    pieces[#pieces + 1] = jstr(id) .. ":"
    if id == "installation_ids" then
      append(pieces, { '["8c4e1d2a-5b1e-4c7d-9a3f-', { num = "%012d" }, '"]' })
    elseif id == "custom_id" then
      append(pieces, { '"user-', { num = "%010d" }, '"' })
    else
      local s = jstr(id)
      append(pieces, { s:sub(1, -2) .. "-", { num = "%010d" }, '"' })
    end
  end
  pieces[#pieces + 1] = "}"
end

-- rec: { export_type, request = {...}, t0 = first event time (unix) }
local function ndjson_template(rec)
  local req = rec.request
  local identifiers = type(req.identifiers) == "table" and #req.identifiers > 0 and req.identifiers
    or { "custom_id" }
  local pieces
  if rec.export_type == "ATTRIBUTES" then
    pieces = { "{" }
    identifier_pieces(pieces, identifiers)
    pieces[#pieces + 1] = ',"attributes":{'
    for k, name in ipairs(type(req.attributes) == "table" and req.attributes or {}) do
      if k > 1 then pieces[#pieces + 1] = "," end
      pieces[#pieces + 1] = jstr(name) .. ":"
      local value = ATTRIBUTES[name]
      if value then
        append(pieces, value)
      else
        append(pieces, { jstr(name):sub(1, -2) .. "-", { num = "%010d" }, '"' })
      end
    end
    pieces[#pieces + 1] = "}"
  elseif rec.export_type == "REACHABILITY_EVENTS" then
    pieces = reachability_pieces()
  else
    -- EVENTS: an event object and the requested identifiers (the shape is a guess, UNCONFIRMED)
    local events = type(req.events) == "table" and #req.events > 0 and req.events
      or _M.DEFAULT_EVENTS.EVENTS
    local names = {}
    for k, e in ipairs(events) do names[k] = jstr(e) end
    pieces = { '{"event":{"name":', { cycle = names }, ',"id":"', { num = EVENT_ID }, '","timestamp":"',
               { date = true }, '","attributes":{}},' }
    identifier_pieces(pieces, identifiers)
  end
  pieces[#pieces + 1] = "}\n"
  local tpl = compile(pieces, rec.t0 or 0)
  tpl.head, tpl.specials = "", {}
  return tpl
end

-- The plan of a 2.x export: `parts` parts of consecutive records; `rows` records in all (spread
-- evenly, the first parts one more), or when size is set about size / parts bytes each.
local function ndjson_plan(tpl, rows, size, parts)
  local plan, first = {}, 1
  for p = 1, parts do
    local count
    if size then
      local target = bytes_upto(tpl, first - 1) + floor(size / parts)
      count = count_within(tpl, target) - (first - 1)
    else
      count = floor(rows / parts) + (p <= rows % parts and 1 or 0)
    end
    plan[p] = { part = p, first = first, count = count, specials = 0,
                size = bytes_upto(tpl, first + count - 1) - bytes_upto(tpl, first - 1) }
    first = first + count
  end
  return plan
end

---------------------------------------------------------------------------------------- public
-- The template of an export record (see exports_store): 1.0 when rec.api == "1.0".
function _M.template(rec)
  if rec.api == "1.0" then return csv_template(rec) end
  return ndjson_template(rec)
end

-- The parts of an export made with cfg (rows, size, parts).
function _M.plan(rec, cfg)
  local tpl = _M.template(rec)
  if rec.api == "1.0" then return csv_plan(tpl, cfg.rows, cfg.size) end
  return ndjson_plan(tpl, cfg.rows, cfg.size, cfg.parts)
end

-- A stream over one part: { length = bytes, read = function() -> next piece (about CHUNK bytes) or nil }.
function _M.stream(rec, part)
  local tpl = _M.template(rec)
  local record, i, last = tpl.record, part.first, part.first + part.count - 1
  local per = max(1, floor(_M.CHUNK * tpl.period / max(1, tpl.cycle_bytes)))
  local head = tpl.head .. concat(tpl.specials, "", 1, part.specials)
  local buf = {}
  local function read()
    local n = 0
    if head then
      if head ~= "" then n = 1; buf[1] = head end
      head = nil
    end
    local stop = min(last, i + per - 1)
    for j = i, stop do
      n = n + 1
      buf[n] = record(j)
    end
    i = stop + 1
    if n == 0 then return nil end
    return concat(buf, "", 1, n)
  end
  return { length = part.size, read = read }
end

-- Whole content of a part as one string (small files and tests only).
function _M.string(rec, part)
  local s, out = _M.stream(rec, part), {}
  for piece in s.read do out[#out + 1] = piece end
  return concat(out)
end

return _M
