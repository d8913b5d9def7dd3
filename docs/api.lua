--- lua-batch: a Lua client for [Batch.com](https://batch.com)'s REST API.
--
-- This file is the source of the API reference (`make docs` runs LDoc on it into `docs/api/`). It holds
-- documentation stubs only, never loaded: the code is in `lua/batch/`. `spec/62-api-docs_spec.lua`
-- checks that every function documented here exists on a real client, and that every public method of
-- the real objects is documented here.
--
-- Conventions, for every call that talks to Batch:
--
-- * it returns its result, or `nil, err` where `err` is a @{Error}; it never raises for a remote or
--   runtime failure (HTTP error, network, timeout, bad JSON from the server, disk full);
-- * it raises for programmer errors: an argument of the wrong type, an unknown option name, a key the
--   call needs and the client lacks (the message names the option and its environment variable);
-- * a bad value that would otherwise be sent (a token with `/`, `limit = 500`) gives
--   `nil, err` with `err.name == "INVALID_ARGUMENT"`, and nothing is sent;
-- * it takes a last optional table of per-call options `{ deadline = s, timeout = s }` (for `list` and
--   `each`, in the same table as the other options): `deadline` bounds the whole call, retries and
--   backoff included; `timeout` is each attempt's;
-- * results are plain tables decoded from JSON (JSON `null` becomes `nil`; on Lua 5.3+ whole numbers
--   are integers). Durations are seconds, fractions allowed.
--
-- @module batch
-- @author lua-batch contributors
-- @license MIT
-- @usage
-- local batch = require "batch"
-- local client = batch.new()   -- BATCH_API_KEY, BATCH_REST_API_KEY, BATCH_PROJECT_KEY, BATCH_BASE_URL
-- local campaign, err = client.campaigns:get("a0082dc6860938a26280bd3ba927303b")
-- if not campaign then print(err.name, err) return end
-- print(campaign.name)
-- client:close()

local batch = {}

--- The version of lua-batch (like `"0.1.0"`).
batch.VERSION = "0.1.0"

--- The metatable of every error: `getmetatable(err) == batch.Error`. See @{Error}.
batch.Error = {}

--- Creates a client.
--
-- Without a table (or for the options a table leaves out) the keys and the base URL come from
-- the environment: `BATCH_API_KEY`, `BATCH_REST_API_KEY`, `BATCH_PROJECT_KEY`, `BATCH_BASE_URL`.
-- @tparam[opt] table opts the options; every one is optional:
--
-- * `api_key` (string): the app's API key, part of every 1.x path (campaigns, in-app, Export 1.0);
-- * `rest_key` (string): the REST API key (`X-Authorization` on 1.x, `Authorization: Bearer` on 2.x);
-- * `project_key` (string): `X-Batch-Project`, for the 2.x project APIs;
-- * `base_url` (string, default `"https://api.batch.com"`): e.g. the emulator's URL;
-- * `api_version` (string, default `"2.4"`): the version of the 2.x routes;
-- * `timeout`, `connect_timeout` (seconds, default 30 and 10): per attempt;
-- * `max_retries` (default 3): see the README, Retries;
-- * `verify_tls` (default true), `ca_file`, `proxy`: TLS and proxy (libcurl also reads `https_proxy`...);
-- * `max_body` (bytes, default 64 MiB): the largest response body kept in memory;
-- * `app_info` (string): `"myapp/1.2"`, appended to the User-Agent;
-- * `transport` (`"auto"`, `"curl"`, `"ngx"` or a function `req -> res | nil, err`);
-- * `sleep`, `now` (functions): an injectable clock;
-- * `on_event` (function): called with `{type = "request"|"response"|"retry"|"poll"|"download", method,
--   url (API key as `***`), status, attempt, elapsed, delay, error}`.
-- @treturn Client the client
-- @raise on an unknown option, an option of the wrong type, a key holding a space, control character,
-- `/`, `?`, `#` or `%` (the message does not echo it), a `base_url` that is not http(s).
-- @usage
-- local client = batch.new{
--   api_key = os.getenv("BATCH_API_KEY"), rest_key = os.getenv("BATCH_REST_API_KEY"),
--   timeout = 10, max_retries = 5, app_info = "myapp/1.2",
-- }
function batch.new(opts) end

--- Polls until `check` says done, with growing, jittered delays and one deadline.
-- The waits (@{Exports:wait}, @{ProjectExports:wait}) are built on it.
-- @tparam function check called once per poll as `check(remaining)` (seconds left before the deadline);
-- returns `true, value` when done (poll returns value), `false, info` when not yet (info goes to
-- `on_poll`, and to `err.info` of `WAIT_TIMEOUT`), or `nil, err` on a failure: a retryable `err`
-- (`err.retryable`) keeps polling (a 429 waits at least 5 s), any other ends the wait.
-- @tparam[opt] table opts `interval` (first delay, default 1), `max_interval` (30), `factor` (1.5),
-- `jitter` (0.2: each delay is multiplied by 1 ± jitter), `timeout` (the whole wait's, default 1800),
-- `on_poll = function(info, attempt, elapsed)` (return `false` to cancel), `sleep`, `now`.
-- @return the value `check` gave when done
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `WAIT_TIMEOUT` (with `err.info`, the last info), `CANCELLED` (on_poll returned false),
-- or the error `check` gave.
-- @raise on a bad option.
-- @usage
-- local n = 0
-- local value, err = batch.poll(function()
--   n = n + 1
--   if n < 3 then return false, { status = "PENDING" } end
--   return true, "done"
-- end, { interval = 0.1, timeout = 5 })
function batch.poll(check, opts) end

--- Tells an error from a result.
-- @param x any value
-- @treturn boolean true when `x` is a @{Error}
-- @usage
-- local res, err = client.campaigns:get(token)
-- if batch.is_error(err) then print(err.name) end
function batch.is_error(x) end

-------------------------------------------------------------------------------------------------------
--- A client, made by @{batch.new}. Its fields are the resources.
-- @type Client
local Client = {}

--- Push campaigns (API 1.1): a @{Campaigns}.
Client.campaigns = {}
--- In-app campaigns (API 1.1): an @{InappCampaigns}.
Client.inapp_campaigns = {}
--- CSV exports of campaigns (Export API 1.0): an @{Exports}.
Client.exports = {}
--- Profile exports (2.x): a @{Profiles}.
Client.profiles = {}
--- The Project Export API (2.x): a @{ProjectExports}.
Client.project_exports = {}

--- Releases the client's connections. Idempotent; also run by `__gc` and, on Lua 5.4, `__close`
-- (`local client <close> = batch.new()`). A @{Client:for_app} child leaves the shared connections open.
-- @usage client:close()
function Client:close() end

--- A client for another app of the same company (Batch keeps each platform's app apart: one API key
-- for iOS, another for Android), sharing this one's options and keep-alive connections.
-- @tparam string api_key the other app's API key
-- @treturn Client the client of that app
-- @raise when `api_key` is not a string, or is malformed.
-- @usage
-- local android = client:for_app(os.getenv("BATCH_ANDROID_API_KEY"))
-- local page = android.campaigns:list{ limit = 5 }
function Client:for_app(api_key) end

--- Calls any route of Batch's API, raw: for what the client has no method for yet (and for `batch api`).
-- The client adds the credentials of the path's API family and sends through the same retries, deadline
-- and redaction as every other call: a path under `/1.0/` or `/1.1/` gets the app's API key after the
-- version (`/1.1/campaigns/list` goes to `/1.1/<api_key>/campaigns/list`, with `X-Authorization`); a
-- path under `/2/` (the client's `api_version`) or `/2.N/` gets `Authorization: Bearer` and
-- `X-Batch-Project`. A write is resent only when it never reached Batch, or on 429/503.
-- @tparam string method `GET`, `POST`, `PUT`, `PATCH`, `DELETE`
-- @tparam string path `/1.1/...`, `/1.0/...`, `/2/...` or `/2.N/...`
-- @tparam[opt] table opts `{ body = table or JSON string, query = { name = value }, deadline = s, timeout = s }`
-- @treturn table on any 2xx: `{ status, headers, body, json }` (`json`: the body decoded, when it is JSON)
-- @treturn[2] nil
-- @treturn[2] Error any other status (with `status` and `body`), or a transfer error
-- @errors Batch's names from the status and body, `INVALID_ARGUMENT` (a path of no family), and the
-- transfer errors.
-- @raise when `method` or `path` is not a string, or an option is unknown.
-- @usage
-- local res = assert(client:api("GET", "/1.1/campaigns/list", { query = { limit = 5 } }))
-- for _, c in ipairs(res.json) do print(c.campaign_token) end
function Client:api(method, path, opts) end

-------------------------------------------------------------------------------------------------------
--- Push campaigns, API 1.1 (`client.campaigns`). Every call needs `api_key` and `rest_key`.
--
-- A token must be non-empty, at most 128 characters of `[A-Za-z0-9_-]`, and not a route word (`list`,
-- `stats`, `create`, `update`, `delete`); otherwise the call gives `INVALID_ARGUMENT` and sends nothing.
--
-- Error names of every method: Batch's own `AUTHENTICATION_INVALID` (401/10), `API_MISUSE` (403/12),
-- `ROUTE_NOT_FOUND` (404/20), `MISSING_PARAMETER` (400/30), `MALFORMED_PARAMETER` (400/31),
-- `MALFORMED_JSON_BODY` (400/32), `SERVER_ERROR`, `MAINTENANCE_ERROR`, `TOO_MANY_REQUESTS`, any other
-- status `HTTP_ERROR`; and the client's `INVALID_ARGUMENT`, `TIMEOUT`, `NETWORK_ERROR`, `TLS_ERROR`,
-- `INVALID_RESPONSE`, `RESPONSE_TOO_LARGE`.
-- @type Campaigns
local Campaigns = {}

--- Gets one campaign (`GET /1.1/{api_key}/campaigns/{token}`).
-- @tparam string token the campaign token
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table the campaign: `campaign_token`, `from_api`, `dev_only`, `created_date`, `name`, `live`,
-- `push_time`, `messages`, `targeting`, ...
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `ROUTE_NOT_FOUND` (no such campaign), `API_MISUSE` (a DEV API key), `INVALID_ARGUMENT` (a bad
-- token), `AUTHENTICATION_INVALID`, and the transfer errors.
-- @raise when `token` is not a string.
-- @usage
-- local c, err = client.campaigns:get("a0082dc6860938a26280bd3ba927303b")
-- if not c then print(err) else print(c.name, c.live) end
function Campaigns:get(token, opts) end

--- Gets many campaigns at once, up to `concurrency` requests in flight on a pool of connections the
-- client keeps (and reuses at the next call). Every token gets a result or an error; a repeated token
-- is fetched once. Retryable failures are retried as @{Campaigns:get} would.
-- @tparam {string,...} tokens the campaign tokens
-- @tparam[opt] table opts `concurrency` (1 to 1024, default 16), `deadline` (the whole call's),
-- `timeout` (each attempt's)
-- @treturn table `{ [token] = campaign }` for the tokens fetched
-- @treturn table `{ [token] = err }` for the others (an invalid token: `INVALID_ARGUMENT`, never sent)
-- @errors per token, as @{Campaigns:get}.
-- @raise when `tokens` is not a table of strings, or `concurrency` is out of range.
-- @usage
-- local found, failed = client.campaigns:get_many({ token1, token2, token3 }, { concurrency = 8 })
-- for token, c in pairs(found) do print(token, c.name) end
-- for token, err in pairs(failed) do print(token, err.name) end
function Campaigns:get_many(tokens, opts) end

--- Lists one page of campaigns, newest first (`GET .../campaigns/list`).
-- @tparam[opt] table opts `from` (offset, default 0), `limit` (1 to 100, default 10), `live` and
-- `from_api` (booleans: keep only the campaigns whose field has that value), `deadline`, `timeout`
-- @treturn {table,...} the campaigns (basic info: `campaign_token`, `name`, `live`, `from_api`,
-- `dev_only`, `created_date`, `push_time`); past the end, an empty table
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad `from` or `limit`), `API_MISUSE`, `AUTHENTICATION_INVALID`, and the
-- transfer errors.
-- @raise on an unknown option, or an option of the wrong type.
-- @usage
-- for _, c in ipairs(assert(client.campaigns:list{ limit = 20, live = true })) do print(c.name) end
function Campaigns:list(opts) end

--- Iterates over every campaign, page by page (fetched lazily; the loop may break at any time).
-- On a failure mid-way it yields `false, err` once (a `nil` would end a `for` loop silently), then ends.
-- @tparam[opt] table opts `live`, `from_api` (filters), `page_size` (1 to 100, default 100),
-- `deadline` (the whole iteration's), `timeout`
-- @treturn function an iterator giving each campaign, or `false, err`
-- @errors as @{Campaigns:list}.
-- @raise on an unknown option, or an option of the wrong type.
-- @usage
-- for c, err in client.campaigns:each{ live = true } do
--   if not c then error(tostring(err)) end
--   print(c.campaign_token, c.name)
-- end
function Campaigns:each(opts) end

--- Gets a campaign's statistics (`GET .../campaigns/stats/{token}`).
-- @tparam string token the campaign token
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ campaign_token = ..., detail = { {date, sent, direct_open, influenced_open,
-- reengaged, errors, ...}, ... } }` (A/B campaigns: `versions.a`, `versions.b` in each day)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Campaigns:get}.
-- @raise when `token` is not a string.
-- @usage
-- local stats = assert(client.campaigns:stats(token))
-- for _, day in ipairs(stats.detail) do print(day.date, day.sent) end
function Campaigns:stats(token, opts) end

--- Creates a campaign (`POST .../campaigns/create`).
-- @tparam table body the campaign, as Batch documents it (`name`, `messages`, `push_time`, `live`, ...)
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ campaign_token = ... }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `MISSING_PARAMETER`, `MALFORMED_PARAMETER`, `MALFORMED_JSON_BODY`, `INVALID_ARGUMENT` (a body
-- that cannot be encoded as JSON), `AUTHENTICATION_INVALID`, and the transfer errors.
-- @raise when `body` is not a table.
-- @usage
-- local created = assert(client.campaigns:create{
--   name = "Test Campaign", live = true, push_time = "now",
--   messages = { { language = "en", body = "Hello!" } },
-- })
-- print(created.campaign_token)
function Campaigns:create(body, opts) end

--- Updates a campaign (`POST .../campaigns/update/{token}`): the fields given replace the stored ones.
-- @tparam string token the campaign token
-- @tparam table body the fields to change
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn boolean true
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Campaigns:create}, and `ROUTE_NOT_FOUND`.
-- @raise when `token` is not a string or `body` not a table.
-- @usage assert(client.campaigns:update(token, { name = "Renamed", live = true }))
function Campaigns:update(token, body, opts) end

--- Deletes a campaign (`POST .../campaigns/delete/{token}`).
-- @tparam string token the campaign token
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn boolean true
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `ROUTE_NOT_FOUND`, `INVALID_ARGUMENT`, `AUTHENTICATION_INVALID`, and the transfer errors.
-- @raise when `token` is not a string.
-- @usage assert(client.campaigns:delete(token))
function Campaigns:delete(token, opts) end

-------------------------------------------------------------------------------------------------------
--- In-app campaigns, API 1.1 (`client.inapp_campaigns`): the same methods and shapes as
-- @{Campaigns} on the `in-app-campaigns` routes, except `stats` (Batch has no in-app statistics).
-- @type InappCampaigns
local InappCampaigns = {}

--- Gets one in-app campaign. See @{Campaigns:get}.
-- @tparam string token the campaign token
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table the in-app campaign (`campaign_token`, `name`, `live`, `trigger`, `landing`, ...)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Campaigns:get}.
-- @usage local c = assert(client.inapp_campaigns:get(token))
function InappCampaigns:get(token, opts) end

--- Gets many in-app campaigns at once. See @{Campaigns:get_many}.
-- @tparam {string,...} tokens the campaign tokens
-- @tparam[opt] table opts `concurrency` (default 16), `deadline`, `timeout`
-- @treturn table `{ [token] = campaign }`
-- @treturn table `{ [token] = err }`
-- @errors per token, as @{Campaigns:get}.
-- @usage local found, failed = client.inapp_campaigns:get_many{ token1, token2 }
function InappCampaigns:get_many(tokens, opts) end

--- Lists one page of in-app campaigns. See @{Campaigns:list}.
-- @tparam[opt] table opts `from`, `limit`, `live`, `from_api`, `deadline`, `timeout`
-- @treturn {table,...} the in-app campaigns
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Campaigns:list}.
-- @usage local page = assert(client.inapp_campaigns:list{ limit = 5 })
function InappCampaigns:list(opts) end

--- Iterates over every in-app campaign. See @{Campaigns:each}.
-- @tparam[opt] table opts `live`, `from_api`, `page_size`, `deadline`, `timeout`
-- @treturn function an iterator giving each campaign, or `false, err`
-- @errors as @{Campaigns:list}.
-- @usage for c, err in client.inapp_campaigns:each{} do assert(c, err) print(c.name) end
function InappCampaigns:each(opts) end

--- Creates an in-app campaign. See @{Campaigns:create}.
-- @tparam table body the in-app campaign (`name`, `landing`, `trigger`, `targeting`, ...)
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ campaign_token = ... }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Campaigns:create}.
-- @usage local created = assert(client.inapp_campaigns:create{ name = "Banner", landing = { contents = {} } })
function InappCampaigns:create(body, opts) end

--- Updates an in-app campaign. See @{Campaigns:update}.
-- @tparam string token the campaign token
-- @tparam table body the fields to change
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn boolean true
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Campaigns:update}.
-- @usage assert(client.inapp_campaigns:update(token, { live = false }))
function InappCampaigns:update(token, body, opts) end

--- Deletes an in-app campaign. See @{Campaigns:delete}.
-- @tparam string token the campaign token
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn boolean true
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Campaigns:delete}.
-- @usage assert(client.inapp_campaigns:delete(token))
function InappCampaigns:delete(token, opts) end

-------------------------------------------------------------------------------------------------------
--- CSV exports of a campaign's events or ids, Export API 1.0 (`client.exports`). Every call needs
-- `api_key` and `rest_key`. An export is identified by the `id` of its request info; each method
-- takes the id or the info table itself.
--
-- The request info: `id`, `uri`, `request_date`, `status` (`CREATED`, `PENDING`, then `SUCCESS`,
-- `ERROR` or `EXPIRED`), `completion_date`, `file_url` (on `SUCCESS`), `error_msg` (on `ERROR`),
-- `request` (`from`, `to`, `events`, `ids` as sent).
-- @type Exports
local Exports = {}

--- Requests an export (`POST /1.0/{api_key}/export/campaign/{token}/{events|ids}`, or
-- `.../inapp-campaign/{token}/events`).
-- @tparam table spec `campaign = TOKEN` or `inapp_campaign = TOKEN`; `kind` (`"events"` or `"ids"`;
-- in-app campaigns: `"events"` only); `from`, `to` (`"now"` or a UTC date like `"2019-08-14T22:00:00"`);
-- `events` (array of event names, e.g. `push_sent`, `push_open`); `ids` (array of id columns:
-- `install_id`, `custom_id`, `advertising_id`); and the per-call `deadline`, `timeout`
-- @treturn table the request info (with `id`, status `CREATED`)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad kind, date, token, empty `events` or `ids`; nothing is sent),
-- `ROUTE_NOT_FOUND` (no such campaign), `MALFORMED_PARAMETER`, `AUTHENTICATION_INVALID`, and the
-- transfer errors.
-- @raise on an unknown field, a field of the wrong type, or neither `campaign` nor `inapp_campaign`.
-- @usage
-- local req = assert(client.exports:create{
--   campaign = token, kind = "events", from = "2019-08-14T22:00:00", to = "now",
--   events = { "push_sent", "push_open" }, ids = { "install_id", "custom_id" },
-- })
-- print(req.id, req.status)
function Exports:create(spec) end

--- Gets an export's request info (`GET /1.0/{api_key}/export/request/{id}`).
-- @tparam string|table id the export id, or its info table
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table the request info
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `ROUTE_NOT_FOUND` (no such export), `API_MISUSE` (a DEV API key), `INVALID_ARGUMENT` (a
-- malformed id), and the transfer errors.
-- @usage print(assert(client.exports:get(id)).status)
function Exports:get(id, opts) end

--- Lists the app's export requests, newest first (`GET /1.0/{api_key}/export/requests`).
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn {table,...} the request infos
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `AUTHENTICATION_INVALID`, and the transfer errors.
-- @usage for _, info in ipairs(assert(client.exports:list())) do print(info.id, info.status) end
function Exports:list(opts) end

--- Waits until an export is done (@{batch.poll} over @{Exports:get}).
-- @tparam string|table id the export id, or its info table
-- @tparam[opt] table opts the options of @{batch.poll}: `interval`, `max_interval`, `factor`, `jitter`,
-- `timeout` (default 1800), `on_poll = function(info, attempt, elapsed)` (false cancels)
-- @treturn table the final request info (status `SUCCESS`, with `file_url`)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `EXPORT_FAILED` (status `ERROR`; `err.export` is the info, `err.message` its `error_msg`),
-- `EXPORT_EXPIRED`, `WAIT_TIMEOUT` (`err.info` is the last info), `CANCELLED`, or a non-retryable API
-- error (retryable ones, 429, 5xx and network errors, do not end the wait).
-- @usage
-- local info, err = client.exports:wait(req.id, {
--   timeout = 600, on_poll = function(i) io.stderr:write(i.status, "\n") end })
function Exports:wait(id, opts) end

--- The signed link of a finished export's CSV: reads the `302` `Location` of `file_url`, without
-- following it. The link holds no Batch credential; it expires after 20 minutes.
-- @tparam string|table id the export id, or its info table
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn string the URL
-- @treturn number when it expires (Unix time)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (the export is not `SUCCESS`), `INVALID_RESPONSE` (no or a bad
-- `Location`), and the API errors.
-- @usage local url, expires = assert(client.exports:download_url(info))
function Exports:download_url(id, opts) end

--- Downloads a finished export's CSV to `path`. The file is fetched without any Batch credential and
-- streamed to `path .. ".part"`, renamed on success: `path` is whole or absent; memory stays flat. An
-- expired link (403, 404, 410 from storage) is refreshed once through the API.
-- @tparam string|table id the export id, or its info table
-- @tparam string path where to write the file
-- @tparam[opt] table opts `on_progress = function(done, total)` (bytes; return `false` to cancel),
-- `deadline` (the whole download's), `timeout` (per attempt; default none, a stall is caught by the
-- client's timeout)
-- @treturn table `{ path = ..., bytes = ... }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (the export is not `SUCCESS`), `HTTP_ERROR` (storage refused the link),
-- `IO_ERROR` (the file cannot be written), `CANCELLED`, and the transfer errors.
-- @raise when `path` is not a string.
-- @usage
-- local res = assert(client.exports:download(info, "events.csv", {
--   on_progress = function(done, total) io.stderr:write(done, "/", total, "\r") end }))
-- print(res.bytes)
function Exports:download(id, path, opts) end

--- Iterates over a finished export's CSV rows. The file is downloaded first (to `opts.path`, or to a
-- temporary file removed when the loop ends, fails or, on Lua 5.4, breaks), then read in chunks. The
-- CSV is `;`-separated with a header line; quoted fields, CRLF and a UTF-8 BOM are handled.
-- @tparam string|table id the export id, or its info table
-- @tparam[opt] table opts `path` (keep the CSV there), `on_progress`, `deadline`, `timeout`
-- @treturn function an iterator giving each row as a table keyed by the header, or `false, err` once
-- @errors as @{Exports:download}, and `INVALID_RESPONSE` (a malformed CSV).
-- @usage
-- for row, err in client.exports:rows(info) do
--   if not row then error(tostring(err)) end
--   print(row.install_id, row.event_type)
-- end
function Exports:rows(id, opts) end

-------------------------------------------------------------------------------------------------------
--- Profile exports, API 2.x (`client.profiles`). Needs `rest_key` and `project_key`.
-- @type Profiles
local Profiles = {}

--- Starts a profile export (`POST /2.x/profiles/export`, 202).
-- @tparam table body the export: `export_type` (`"ATTRIBUTES"`, `"EVENTS"`, `"REACHABILITY_EVENTS"`);
-- an `ATTRIBUTES` export needs `attributes` and/or `identifiers` (non-empty arrays of names); event
-- exports take `events`, `from`, `to` (RFC 3339 dates; `from` within the 90-day lookback, and for
-- reachability events not before 2024-10-10)
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ id = "export_..." }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (checked before sending), `MISSING_PARAMETER`, `MALFORMED_PARAMETER`,
-- `AUTHENTICATION_INVALID`, and the transfer errors.
-- @raise when `body` is not a table, or the client has no `rest_key` or `project_key`.
-- @usage
-- local started = assert(client.profiles:export{
--   export_type = "ATTRIBUTES", identifiers = { "custom_id" }, attributes = { "$email_address" } })
-- print(started.id)
function Profiles:export(body, opts) end

--- Updates or creates up to 200 profiles (`POST /2.x/profiles/update`, 202). Each profile needs an
-- `identifiers` table (`{ custom_id = "..." }`); its `attributes` and `events` are Batch's to check: an
-- invalid one comes back among the partial errors while the rest of the batch is applied.
-- @tparam table profiles an array of `{ identifiers = {...}, attributes = {...}, events = {...} }`
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table Batch's answer: `{ code = "SUCCESS" }` or `{ code = "SUCCESS_WITH_PARTIAL_ERRORS",
-- errors = { { bulk_index, category, reason, attribute }, ... } }` (partial errors are a result)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (no profile, more than 200, a profile without `identifiers`: nothing sent),
-- `TOO_MANY_REQUESTS` (Batch's 300 updates a second), `MALFORMED_JSON_BODY`, `AUTHENTICATION_INVALID`,
-- and the transfer errors.
-- @raise when `profiles` is not a table, or the client has no `rest_key` or `project_key`.
-- @usage
-- local res = assert(client.profiles:update{
--   { identifiers = { custom_id = "john.doe" }, attributes = { firstname = "John", ["$language"] = "en" } } })
-- for _, e in ipairs(res.errors or {}) do print(e.bulk_index, e.reason) end
function Profiles:update(profiles, opts) end

--- Updates or creates up to 10 000 profiles (`POST /2.x/profiles/mass-update`, 202): for dumps, "one to
-- two times per day" (Batch). The same profiles and answer as @{Profiles:update}.
-- @tparam table profiles an array of profiles
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table Batch's answer, as for @{Profiles:update}
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Profiles:update}, with a cap of 10 000.
-- @raise when `profiles` is not a table.
-- @usage
-- local res = assert(client.profiles:mass_update(all_profiles))
-- print(res.code)
function Profiles:mass_update(profiles, opts) end

-------------------------------------------------------------------------------------------------------
--- The Project Export API, 2.x (`client.project_exports`). Needs `rest_key` and `project_key`.
--
-- The view of an export: `id`, `status` (`CREATED`, `PENDING`, `RUNNING`, then `SUCCESS` or `ERROR`),
-- `scope`, `request`, `request_date`, `start_date`, `completion_date`, `files` (on `SUCCESS`:
-- `{ {id, part, size, url}, ... }`).
-- @type ProjectExports
local ProjectExports = {}

--- Gets an export's view (`GET /2.x/exports/view?id=ID`).
-- @tparam string|table id the export id, or its view
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table the view
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `ROUTE_NOT_FOUND` (no such export), `INVALID_ARGUMENT` (a malformed id), and the API and
-- transfer errors.
-- @usage print(assert(client.project_exports:get(id)).status)
function ProjectExports:get(id, opts) end

--- Lists one page of the project's exports, newest first (`GET /2.x/exports/list`).
-- @tparam[opt] table opts `from` (the cursor a previous page gave as `next_from`), `limit` (1 to 100,
-- default 10), `deadline`, `timeout`
-- @treturn table `{ exports = {view, ...}, has_more = boolean, next_from = cursor, count = n }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad `limit`), `MALFORMED_PARAMETER` (a bad cursor), and the API and
-- transfer errors.
-- @usage
-- local page = assert(client.project_exports:list{ limit = 20 })
-- if page.has_more then page = assert(client.project_exports:list{ from = page.next_from }) end
function ProjectExports:list(opts) end

--- Iterates over every export, following the cursors. On a failure it yields `false, err` once.
-- @tparam[opt] table opts `page_size` (1 to 100, default 100), `deadline`, `timeout`
-- @treturn function an iterator giving each view, or `false, err`
-- @errors as @{ProjectExports:list}.
-- @usage for v, err in client.project_exports:each{} do assert(v, err) print(v.id, v.status) end
function ProjectExports:each(opts) end

--- Waits until an export is done (@{batch.poll} over @{ProjectExports:get}).
-- @tparam string|table id the export id, or its view
-- @tparam[opt] table opts the options of @{batch.poll}
-- @treturn table the final view (status `SUCCESS`, with `files`)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `EXPORT_FAILED` (status `ERROR`; `err.export` is the view), `WAIT_TIMEOUT`, `CANCELLED`, or
-- a non-retryable API error.
-- @usage local view = assert(client.project_exports:wait(started.id, { timeout = 900 }))
function ProjectExports:wait(id, opts) end

--- Downloads every file part of a finished export into the folder `dir` (which must exist), as
-- `dir/<id>-part<N>.json`. Each link is read from the API's `307` and fetched without credentials;
-- each file is whole or absent (parts already written stay when another one fails). The parts download
-- at once, at most `concurrency` at a time (with `"curl"` on the client's connection pool, inside nginx
-- on light threads).
-- @tparam string|table id the export id, or its view
-- @tparam string dir an existing folder
-- @tparam[opt] table opts `concurrency` (1 to 1024, default 4), `on_progress = function(done, total)`,
-- `deadline`, `timeout`
-- @treturn {table,...} one `{ path = ..., bytes = ..., part = n }` per file
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (the export is not `SUCCESS`), `HTTP_ERROR`, `IO_ERROR`, `CANCELLED`, and
-- the API and transfer errors.
-- @raise when `dir` is not a string.
-- @usage
-- for _, f in ipairs(assert(client.project_exports:download(view, "/tmp/export"))) do
--   print(f.part, f.path, f.bytes)
-- end
function ProjectExports:download(id, dir, opts) end

--- Iterates over the JSON records of every part of a finished export (each part downloaded to a
-- temporary file, read line by line: NDJSON, or one JSON array).
-- @tparam string|table id the export id, or its view
-- @tparam[opt] table opts `on_progress`
-- @treturn function an iterator giving each record (a table), or `false, err` once
-- @errors as @{ProjectExports:download}, and `INVALID_RESPONSE` (a record that is not JSON).
-- @usage
-- for record, err in client.project_exports:records(view) do
--   if not record then error(tostring(err)) end
--   print(record.identifiers.custom_id)
-- end
function ProjectExports:records(id, opts) end

-------------------------------------------------------------------------------------------------------
--- The error every call returns as its second value: a plain table with the metatable `batch.Error`.
-- `tostring(err)` gives one line: `NAME (HTTP s, code c): message [METHOD /path]`. Keys never appear
-- in errors: the API key in URLs is `***`, and a key a server echoes is replaced too.
--
-- Names: Batch's own `AUTHENTICATION_INVALID` (401/10), `API_MISUSE` (403/12), `ROUTE_NOT_FOUND`
-- (404/20), `MISSING_PARAMETER` (400/30), `MALFORMED_PARAMETER` (400/31), `MALFORMED_JSON_BODY`
-- (400/32), `SERVER_ERROR` (500/0 or 1), `MAINTENANCE_ERROR` (503/2), `TOO_MANY_REQUESTS` (429/60); any
-- other HTTP status `HTTP_ERROR`; the client's `INVALID_ARGUMENT`, `TIMEOUT`, `NETWORK_ERROR`,
-- `TLS_ERROR`, `INVALID_RESPONSE`, `RESPONSE_TOO_LARGE`, `EXPORT_FAILED`, `EXPORT_EXPIRED`,
-- `WAIT_TIMEOUT`, `CANCELLED`, `IO_ERROR`.
-- @type Error
-- @usage
-- local c, err = client.campaigns:get(token)
-- if not c then
--   if err.name == "ROUTE_NOT_FOUND" then print("no such campaign")
--   elseif err.retryable then print("try again later", err.retry_after)
--   else error(tostring(err)) end
-- end
local Error = {}

--- The name (like `"ROUTE_NOT_FOUND"`).
Error.name = ""
--- Batch's numeric code (like 20), or nil.
Error.code = 0
--- The HTTP status, or nil.
Error.status = 0
--- What went wrong, in words.
Error.message = ""
--- Whether trying again may work (429, 5xx, timeouts, network errors).
Error.retryable = false
--- Seconds to wait before trying again (from `Retry-After`), or nil.
Error.retry_after = 0
--- The method of the failed request.
Error.method = ""
--- The URL of the failed request (API key as `***`; a signed link without its query).
Error.url = ""
--- The raw response body, at most 4 KiB (keys redacted).
Error.body = ""
--- How many attempts were made.
Error.attempts = 0

return batch
