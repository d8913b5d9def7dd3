-- The source of the API reference: LDoc stubs, never loaded (`make docs` renders them into docs/api/).
-- spec/62-api-docs_spec.lua holds them to the code: every method, route, option, error field and event.

--- lua-batch: a Lua client for [Batch.com](https://batch.com)'s REST API.
--
-- `local batch = require "batch"`, make a client with @{batch.new}, and call the resources of the
-- client: `client.campaigns`, `client.exports`, `client.profiles`... (see @{Client}). The 1.x APIs are
-- per app (the app's API key goes in the path); the 2.x APIs are per project (`project_key`). Each
-- method below names Batch's route, links Batch's page for it, and gives the section of `batch-api.md`,
-- the project's notes on what Batch documents and what it leaves unconfirmed.
--
-- What holds for every call that talks to Batch:
--
-- * it returns its result, or `nil, err` where `err` is an @{Error}; it never raises for a remote or
--   runtime failure (HTTP error, network, timeout, bad JSON from the server, disk full);
-- * it raises for programmer errors: an argument of the wrong Lua type, an unknown option name, a key
--   the call needs and the client lacks (the message names the option and its environment variable);
-- * a value Batch documents as invalid (a token with `/`, `limit = 500`, more items than a call takes,
--   an event older than 24 hours) gives `nil, err` with `err.name == "INVALID_ARGUMENT"`, and nothing
--   is sent;
-- * its last argument is an optional table with `deadline` (seconds from the call: bounds the whole
--   call, retries and backoff included) and `timeout` (seconds, each attempt's); for the methods that
--   take options (`list`, `each`, `stats`...) they go in the same table;
-- * a write that Batch accepted (any 2xx) is a success: when the answer lacks a field named here, the
--   result still comes back, with the fields that are there and `raw`, the body text;
-- * results are plain tables decoded from JSON (JSON `null` becomes `nil`; on Lua 5.3+ whole numbers
--   are integers); durations are seconds, fractions allowed;
-- * keys never appear in errors or events: the API key in a URL is `***`.
--
-- Callbacks (`on_event`, `on_poll`, `on_progress`) must not yield. One that raises ends the call: its
-- transfers stop, its temporary files are removed, and the error is raised again to the caller.
--
-- @module batch
-- @author lua-batch contributors
-- @license MIT
-- @usage
-- local batch = require "batch"
-- local client = batch.new()   -- keys from BATCH_API_KEY, BATCH_REST_API_KEY...
-- local campaign, err = client.campaigns:get("a0082dc6860938a26280bd3ba927303b")
-- if not campaign then print(err.name, tostring(err)) return end
-- print(campaign.name)
-- client:close()

local batch = {}

--- The version of lua-batch (like `"0.1.0"`).
batch.VERSION = "0.1.0"

--- The metatable of every error: `getmetatable(err) == batch.Error`. See @{Error}.
batch.Error = {}

--- Creates a client.
--
-- Every option is optional; an option the table does not give is read from the environment where an
-- environment variable is named below (the table wins), else takes its default. `batch.new()` with no
-- table reads the keys and the base URL from the environment.
--
-- A client without `api_key` can make no 1.x call, one without `rest_key` no call, one without
-- `project_key` no 2.x call: such a call raises, naming the option and its environment variable.
--
-- Retries (`max_retries`): reads (GET) are tried again on 429, 500, 502, 503, 504, `TIMEOUT` and
-- `NETWORK_ERROR`; writes (every other method) only when the request never reached Batch (the host
-- could not be resolved or connected to) or on 429 and 503, which Batch answers before doing anything.
-- The delay is a capped exponential (0.5 s doubling up to 30 s) with full jitter; after a 429 it is at
-- least 5 s, or `Retry-After` when that says more. No retry goes past the call's `deadline`.
-- @tparam[opt] table opts the options
-- @tparam[opt=env BATCH_API_KEY] string opts.api_key the app's API key, in the path of every 1.x call
-- (campaigns, in-app campaigns, Export API 1.0, transactional, custom data, events, custom audiences,
-- GDPR)
-- @tparam[opt=env BATCH_REST_API_KEY] string opts.rest_key the REST API key: `X-Authorization` on 1.x,
-- `Authorization: Bearer` on 2.x
-- @tparam[opt=env BATCH_PROJECT_KEY] string opts.project_key `X-Batch-Project`, for the 2.x project APIs
-- @tparam[opt=env BATCH_BASE_URL or "https://api.batch.com"] string opts.base_url where Batch is (e.g.
-- the bundled emulator's URL); http or https
-- @tparam[opt="2.11"] string opts.api_version the version of the 2.x routes (`"2.N"`)
-- @tparam[opt=30] number opts.timeout seconds, per attempt
-- @tparam[opt=10] number opts.connect_timeout seconds, per attempt
-- @tparam[opt=3] number opts.max_retries tries after the first (see Retries above)
-- @tparam[opt=true] boolean opts.verify_tls check Batch's certificate and host name
-- @tparam[opt=env BATCH_CA_FILE or CURL_CA_BUNDLE or SSL_CERT_FILE] string opts.ca_file a CA bundle
-- (PEM) instead of the system's; the first of the three variables that is set is used
-- @tparam[opt] string opts.proxy a proxy URL (libcurl also reads `https_proxy`, `no_proxy`...)
-- @tparam[opt=64 MiB] number opts.max_body bytes: the largest response body kept in memory; past it,
-- `RESPONSE_TOO_LARGE` (downloads go to files and are not bounded by it)
-- @tparam[opt] string opts.app_info like `"myapp/1.2"`, appended to the User-Agent
-- (`lua-batch/<version> libcurl/<v> Lua/<v>`)
-- @tparam[opt="auto"] string|function opts.transport `"curl"` (the C core on libcurl, keep-alive),
-- `"ngx"` (inside nginx: never blocks the worker), `"auto"` (`"ngx"` inside nginx, `"curl"` elsewhere),
-- or a function `function(req) -> res | nil, failure` with `req = { method, url, headers, body,
-- timeout, connect_timeout, sink }` (`sink`: the file to write the body to), `res = { status,
-- headers = { [lower-case name] = value }, body, bytes }` and `failure = { name = "TIMEOUT" |
-- "NETWORK_ERROR" | "TLS_ERROR" | ..., message, sent = false }` (`sent = false`: surely never sent)
-- @tparam[opt="batch"] string opts.thread_pool inside nginx, the `thread_pool` (nginx.conf, main context)
-- the `"ngx"` transport runs downloads, name resolution, `ca_file` and `proxy` clients in
-- (`thread_pool batch threads=32;`)
-- @tparam[opt] function opts.sleep `sleep(seconds)`: the clock's sleep (default: the C core's;
-- `ngx.sleep` inside nginx)
-- @tparam[opt] function opts.now `now() -> seconds` (default: the C core's monotonic clock; `ngx.now`
-- inside nginx)
-- @tparam[opt] function opts.on_event called with an @{Event} table at each step of a call: `request`,
-- `response`, `retry`, `poll`, `download`
-- @treturn Client the client
-- @raise on an unknown option, an option of the wrong type, a key that is empty or holds a space, a
-- control character, `/`, `?`, `#` or `%` (the message does not echo it), a `base_url` that is not
-- http(s), a bad `api_version`, `timeout`, `connect_timeout`, `max_retries`, `max_body` or `transport`,
-- an `app_info` holding a control character.
-- @usage
-- local client = batch.new{
--   api_key = os.getenv("BATCH_API_KEY"), rest_key = os.getenv("BATCH_REST_API_KEY"),
--   project_key = os.getenv("BATCH_PROJECT_KEY"),
--   timeout = 10, max_retries = 5, app_info = "myapp/1.2",
--   on_event = function(ev)
--     if ev.type == "retry" then io.stderr:write(ev.url, " again in ", ev.delay, " s\n") end
--   end,
-- }
function batch.new(opts) end

--- Polls until `check` says done, with growing, jittered delays and one deadline.
-- The waits (@{Exports:wait}, @{ProjectExports:wait}) are built on it.
-- @tparam function check called once per poll as `check(remaining)` (seconds left before the deadline);
-- returns `true, value` when done (poll returns value), `false, info` when not yet (info goes to
-- `on_poll`, and to `err.info` of `WAIT_TIMEOUT`), or `nil, err` on a failure: a retryable `err`
-- (`err.retryable`) keeps polling (after a 429, the next poll waits at least 5 s), any other ends the
-- wait with that error
-- @tparam[opt] table opts the options
-- @tparam[opt=1] number opts.interval seconds before the second poll
-- @tparam[opt=30] number opts.max_interval the longest delay between polls
-- @tparam[opt=1.5] number opts.factor each delay is the previous one times `factor` (at least 1)
-- @tparam[opt=0.2] number opts.jitter each delay is multiplied by a random factor in
-- [1 - jitter, 1 + jitter] (0 to 1)
-- @tparam[opt=1800] number opts.timeout seconds: the whole wait's deadline, never slept past
-- @tparam[opt] function opts.on_poll `on_poll(info, attempt, elapsed)` after each poll that is not
-- done (a retryable failure included: `info` is then the last one seen); returning `false` cancels the
-- wait
-- @tparam[opt] function opts.sleep `sleep(seconds)` (default: the client's inside a wait, else the C
-- core's)
-- @tparam[opt] function opts.now `now() -> seconds` (default: as `sleep`)
-- @return the value `check` gave when done
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `WAIT_TIMEOUT` (the deadline passed; `err.info` is the last info, `err.attempts` the number
-- of polls), `CANCELLED` (on_poll returned `false`; `err.info`), or the error `check` gave.
-- @raise when `check` is not a function, on an unknown option or a bad value of one.
-- @usage
-- local n = 0
-- local value, err = batch.poll(function()
--   n = n + 1
--   if n < 3 then return false, { status = "PENDING" } end
--   return true, "done"
-- end, { interval = 0.1, timeout = 5 })
-- print(value or tostring(err))
function batch.poll(check, opts) end

--- Tells an error from a result.
-- @param x any value
-- @treturn boolean true when `x` is an @{Error}
-- @usage
-- local res, err = client.campaigns:get(token)
-- if batch.is_error(err) then print(err.name) end
function batch.is_error(x) end

-------------------------------------------------------------------------------------------------------
--- A client, made by @{batch.new}. Its fields are the resources: per app (1.x, the app's API key)
-- `campaigns`, `inapp_campaigns`, `exports`, `transactional`, `custom_data`, `events`,
-- `custom_audiences`, `gdpr`; per project (2.x, `project_key`) `profiles`, `project_exports`,
-- `audiences`, `orchestrations`, `catalogs`.
-- @type Client
local Client = {}

--- Push campaigns (API 1.1): a @{Campaigns}.
Client.campaigns = {}
--- In-app campaigns (API 1.1): an @{InappCampaigns}.
Client.inapp_campaigns = {}
--- CSV exports of campaigns (Export API 1.0): an @{Exports}.
Client.exports = {}
--- Transactional pushes to listed users (API 1.1): a @{Transactional}.
Client.transactional = {}
--- Users' custom data (Custom Data API 1.0): a @{CustomData}.
Client.custom_data = {}
--- Users' events (Trigger Events API 1.0): an @{Events}.
Client.events = {}
--- Custom audiences of an app (Custom Audience API 1.0 and 1.1): a @{CustomAudiences}.
Client.custom_audiences = {}
--- Data review and removal requests (GDPR API 1.0): a @{Gdpr}.
Client.gdpr = {}
--- Profile updates and exports (2.x): a @{Profiles}.
Client.profiles = {}
--- The Project Export API (2.x): a @{ProjectExports}.
Client.project_exports = {}
--- Audiences of a project (Audience API 2.x): an @{Audiences}.
Client.audiences = {}
--- Campaigns and orchestrations of a project (2.x): an @{Orchestrations}.
Client.orchestrations = {}
--- Catalogs of a project (Catalogs API 2.x): a @{Catalogs}.
Client.catalogs = {}

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
-- local android = client:for_app(os.getenv("BATCH_ANDROID_API_KEY")) -- the emulator: BATCH_MOCK_OTHER_API_KEY
-- local page = android.campaigns:list{ limit = 5 }
function Client:for_app(api_key) end

--- Calls any route of Batch's API, raw: for what the client has no method for (and for `batch api`).
-- The client adds the credentials of the path's API family and sends through the same retries, deadline
-- and redaction as every other call: a path under `/1.0/` or `/1.1/` gets the app's API key after the
-- version (`/1.1/campaigns/list` goes to `/1.1/<api_key>/campaigns/list`, with `X-Authorization`); a
-- path under `/2/` (the client's `api_version`) or `/2.N/` gets `Authorization: Bearer` and
-- `X-Batch-Project`. A write is resent only when it never reached Batch, or on 429/503.
-- @tparam string method `GET`, `POST`, `PUT`, `PATCH`, `DELETE` (capitals)
-- @tparam string path `/1.1/...`, `/1.0/...`, `/2/...` or `/2.N/...`
-- @tparam[opt] table opts `body` (a table, sent as JSON, or a JSON string), `query` (`{ name = value }`,
-- percent-encoded), `deadline`, `timeout`
-- @treturn table on any 2xx: `{ status, headers, body, json }` (`json`: the body decoded, when it is JSON)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors Batch's names from the status and body, `INVALID_ARGUMENT` (a path of no family, or holding
-- a space or a control character), and the common errors.
-- @raise when `method` or `path` is not a string, `method` is not in capitals, an option is unknown or
-- `body` is neither a table nor a string.
-- @usage
-- local res = assert(client:api("GET", "/1.1/campaigns/list", { query = { limit = 5 } }))
-- for _, c in ipairs(res.json) do print(c.campaign_token) end
function Client:api(method, path, opts) end

--- Makes a queue: many small writes (profile updates, events, custom data) sent in batches, each route's
-- batches filled to its cap, within Batch's rates, at least once.
--
-- Outside nginx the adds and `flush`/`close` drive the sending: the add that fills a batch, or that
-- finds a batch older than `flush_interval`, sends it (one call, at most one per route per add; it never
-- sleeps for a rate budget, a pause or a backoff: those items wait for a later add or for `flush`). A
-- queue left idle sends at its next add or flush. Inside nginx an add only queues its item: an
-- `ngx.timer` of the worker sends, never the request that added; a worker that exits flushes first.
-- @tparam[opt] table opts the options; every one is optional:
--
-- * `flush_interval` (seconds, default 1): the longest an item waits before its batch is sent;
-- * `max_pending` (default 100 000): items held (waiting, in flight or waiting to be sent again); past
--   it an add gives `nil, err` with `QUEUE_FULL`;
-- * `on_flush` (function(report)): called once per batch sent, when it has ended; `report` is
--   `{ route, items, sent, dropped, status, attempts, err }`: `route` the route table's name
--   (`"profiles.update"`, `"events.track_many"`, `"custom_data.set_many"`), `items` a count, `sent` and
--   `dropped` counts, `status` the last HTTP status, `attempts` the calls the batch took, `err` nil, a
--   `PARTIAL_ERROR`, or the @{Error} that ended the batch;
-- * `on_drop` (function(items, err)): items given up on, with what the adds were given (the profile
--   table; `{ custom_id = ..., event = ... }` for `track`; `{ custom_id = ..., values = ...,
--   overwrite = ... }` for `set_custom_data`) and an @{Error}: Batch's error for a refused batch,
--   `PARTIAL_ERROR` (with `err.errors`, Batch's entries naming them, each with `items`: their places in
--   `items`), `INVALID_ARGUMENT` (an event older than 24 hours by the time its batch went),
--   `QUEUE_CLOSED` (close's deadline passed first).
--   Without `on_drop` each drop is reported to the client's `on_event` as `{ type = "drop", route,
--   count, reason }` (no item data), and logged as a warning inside nginx;
-- * `spool` (string, a folder): each accepted item is written there before the add returns (the
--   folder is created 0700, its files 0600) and noted once it has ended; the files are fsync'd once per
--   flush interval, not per add. A queue opened on the folder of a process that died sends what that
--   process had not: a process killed loses nothing it accepted, an OS crash at most a flush interval.
--   Items a `close` could not send stay in the spool for the next queue on it (instead of `on_drop`).
--   On Linux, whose files are whose comes from /proc; elsewhere give each process a folder of its own;
-- * `shared_dict` (string, inside nginx): a `lua_shared_dict` holding the rate budgets and pauses, so
--   that every worker of the instance draws from the same ones (`lua_shared_dict batch_queue 1m;`);
-- * `rates` (table): Batch's rates for the project when they differ from the documented ones, by
--   route name: `{ ["profiles.update"] = { rate = 300, burst = 1000 } }` (tokens a second and the bucket's
--   size); the queue runs 5% under them. A route without a rate sends one batch at a time.
-- @treturn Queue the queue
-- @raise when an option is unknown or of the wrong type, when `shared_dict` is given outside nginx or
-- names no `lua_shared_dict`, or when the spool folder cannot be created.
-- @usage
-- local q = client:queue{ flush_interval = 2, on_drop = function(items, err)
--   log.warn(#items .. " items dropped: " .. tostring(err))
-- end }
-- for _, user in ipairs(users) do
--   assert(q:update_profile{ identifiers = { custom_id = user.id }, attributes = { plan = user.plan } })
-- end
-- local report = q:close{ deadline = 60 }
-- print(report.sent, report.dropped, report.pending)
function Client:queue(opts) end

-------------------------------------------------------------------------------------------------------
--- Push campaigns, API 1.1 (`client.campaigns`), per app: every call needs `api_key` and `rest_key`.
--
-- A token must be non-empty, at most 128 characters of `[A-Za-z0-9_-]`, and not a route word (`list`,
-- `stats`, `create`, `update`, `delete`); otherwise the call gives `INVALID_ARGUMENT` and sends nothing.
-- @type Campaigns
local Campaigns = {}

--- Gets one campaign.
-- @tparam string token the campaign token
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table the campaign: `campaign_token`, `from_api`, `dev_only`, `created_date`, `name`, `live`,
-- `push_time`, `messages`, `targeting`, ...
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad token), `ROUTE_NOT_FOUND` (no such campaign), `API_MISUSE` (a DEV
-- API key), `INVALID_RESPONSE` (no `campaign_token` in the answer), and the common errors.
-- @raise when `token` is not a string.
-- @route `GET /1.1/{api_key}/campaigns/{token}`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/campaigns/get-campaign), batch-api.md §1
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
-- @raise when `tokens` is not a table of strings, or `concurrency` is not a whole number from 1 to 1024.
-- @route `GET /1.1/{api_key}/campaigns/{token}`, once per token
-- @usage
-- local found, failed = client.campaigns:get_many({ token1, token2, token3 }, { concurrency = 8 })
-- for token, c in pairs(found) do print(token, c.name) end
-- for token, err in pairs(failed) do print(token, err.name) end
function Campaigns:get_many(tokens, opts) end

--- Lists one page of campaigns, newest first.
-- @tparam[opt] table opts `from` (offset, default 0), `limit` (1 to 100, default 10), `live` and
-- `from_api` (booleans: keep only the campaigns whose field has that value), `deadline`, `timeout`
-- @treturn {table,...} the campaigns (basic info: `campaign_token`, `name`, `live`, `from_api`,
-- `dev_only`, `created_date`, `push_time`); past the end, an empty table
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (`from` not a whole number >= 0, `limit` not one from 1 to 100),
-- `API_MISUSE` (a DEV API key), `INVALID_RESPONSE` (not an array), and the common errors.
-- @raise on an unknown option, or an option of the wrong type.
-- @route `GET /1.1/{api_key}/campaigns/list`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/campaigns/list), batch-api.md §1
-- @usage
-- local page = assert(client.campaigns:list{ limit = 20, live = true })
-- for _, c in ipairs(page) do print(c.campaign_token, c.name) end
function Campaigns:list(opts) end

--- Iterates over every campaign, page by page (fetched lazily; the loop may break at any time; a page
-- shorter than `page_size` is the last). On a failure it yields `false, err` once (a `nil` would end a
-- `for` loop silently), then ends.
-- @tparam[opt] table opts `live`, `from_api` (filters), `page_size` (1 to 100, default 100),
-- `deadline` (fixed when `each` is called: bounds the whole iteration), `timeout` (each page's)
-- @treturn function an iterator giving each campaign, or `false, err`
-- @errors as @{Campaigns:list} (a bad `page_size`: `INVALID_ARGUMENT`, yielded before any page).
-- @raise on an unknown option, or an option of the wrong type.
-- @route `GET /1.1/{api_key}/campaigns/list`, once per page
-- @usage
-- for c, err in client.campaigns:each{ live = true } do
--   if not c then error(tostring(err)) end
--   print(c.campaign_token, c.name)
-- end
function Campaigns:each(opts) end

--- Gets a campaign's statistics, day by day.
-- @tparam string token the campaign token
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ campaign_token = ..., detail = { {date, sent, direct_open, influenced_open,
-- reengaged, errors, ...}, ... } }` (A/B campaigns: `versions.a`, `versions.b` in each day)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Campaigns:get}.
-- @raise when `token` is not a string.
-- @route `GET /1.1/{api_key}/campaigns/stats/{token}`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/campaigns/get), batch-api.md §1
-- @usage
-- local stats = assert(client.campaigns:stats(token))
-- for _, day in ipairs(stats.detail) do print(day.date, day.sent) end
function Campaigns:stats(token, opts) end

--- Creates a campaign.
-- @tparam table body the campaign, as Batch documents it (`name`, `messages`, `push_time`, `live`, ...)
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ campaign_token = ... }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a body that cannot be encoded as JSON), `MISSING_PARAMETER`,
-- `MALFORMED_PARAMETER`, `MALFORMED_JSON_BODY` (Batch refused the body), and the common errors.
-- @raise when `body` is not a table.
-- @route `POST /1.1/{api_key}/campaigns/create`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/campaigns/create), batch-api.md §1
-- @usage
-- local created = assert(client.campaigns:create{
--   name = "Test Campaign", live = true, push_time = "now",
--   messages = { { language = "en", body = "Hello!" } },
-- })
-- print(created.campaign_token)
function Campaigns:create(body, opts) end

--- Updates a campaign: the fields given replace the stored ones.
-- @tparam string token the campaign token
-- @tparam table body the fields to change
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn boolean true
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Campaigns:create}, `INVALID_ARGUMENT` (a bad token) and `ROUTE_NOT_FOUND` (no such
-- campaign).
-- @raise when `token` is not a string or `body` not a table.
-- @route `POST /1.1/{api_key}/campaigns/update/{token}`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/campaigns/update), batch-api.md §1
-- @usage
-- -- Batch wants at least the fields the campaign was created with: the create's body, changed
-- local body = { name = "Spring sale", live = true, push_time = "now",
--                messages = { { language = "en", body = "Hello!" } } }
-- local token = assert(client.campaigns:create(body)).campaign_token
-- body.name = "Spring sale, renamed"
-- assert(client.campaigns:update(token, body))
function Campaigns:update(token, body, opts) end

--- Deletes a campaign.
-- @tparam string token the campaign token
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn boolean true
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad token), `ROUTE_NOT_FOUND` (no such campaign), and the common errors.
-- @raise when `token` is not a string.
-- @route `POST /1.1/{api_key}/campaigns/delete/{token}`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/campaigns/delete), batch-api.md §1
-- @usage assert(client.campaigns:delete(token))
function Campaigns:delete(token, opts) end

-------------------------------------------------------------------------------------------------------
--- In-app campaigns, API 1.1 (`client.inapp_campaigns`), per app: the same methods, checks and shapes
-- as @{Campaigns} on the `in-app-campaigns` routes, except `stats` (Batch has no in-app statistics).
-- @type InappCampaigns
local InappCampaigns = {}

--- Gets one in-app campaign. See @{Campaigns:get}.
-- @tparam string token the campaign token
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table the in-app campaign (`campaign_token`, `name`, `live`, `trigger`, `landing`, ...)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Campaigns:get}.
-- @raise when `token` is not a string.
-- @route `GET /1.1/{api_key}/in-app-campaigns/{token}`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/in-app-campaigns-api/get-campaign),
-- batch-api.md §2
-- @usage local c = assert(client.inapp_campaigns:get(token))
function InappCampaigns:get(token, opts) end

--- Gets many in-app campaigns at once. See @{Campaigns:get_many}.
-- @tparam {string,...} tokens the campaign tokens
-- @tparam[opt] table opts `concurrency` (1 to 1024, default 16), `deadline`, `timeout`
-- @treturn table `{ [token] = campaign }`
-- @treturn table `{ [token] = err }`
-- @errors per token, as @{Campaigns:get}.
-- @raise as @{Campaigns:get_many}.
-- @route `GET /1.1/{api_key}/in-app-campaigns/{token}`, once per token
-- @usage local found, failed = client.inapp_campaigns:get_many{ token1, token2 }
function InappCampaigns:get_many(tokens, opts) end

--- Lists one page of in-app campaigns. See @{Campaigns:list}.
-- @tparam[opt] table opts `from`, `limit`, `live`, `from_api`, `deadline`, `timeout`
-- @treturn {table,...} the in-app campaigns
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Campaigns:list}.
-- @raise on an unknown option, or an option of the wrong type.
-- @route `GET /1.1/{api_key}/in-app-campaigns/list`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/in-app-campaigns-api/list), batch-api.md §2
-- @usage local page = assert(client.inapp_campaigns:list{ limit = 5 })
function InappCampaigns:list(opts) end

--- Iterates over every in-app campaign. See @{Campaigns:each}.
-- @tparam[opt] table opts `live`, `from_api`, `page_size`, `deadline`, `timeout`
-- @treturn function an iterator giving each campaign, or `false, err`
-- @errors as @{Campaigns:list}.
-- @raise on an unknown option, or an option of the wrong type.
-- @route `GET /1.1/{api_key}/in-app-campaigns/list`, once per page
-- @usage for c, err in client.inapp_campaigns:each{} do assert(c, err) print(c.name) end
function InappCampaigns:each(opts) end

--- Creates an in-app campaign. See @{Campaigns:create}.
-- @tparam table body the in-app campaign (`name`, `landing`, `trigger`, `targeting`, ...)
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ campaign_token = ... }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Campaigns:create}.
-- @raise when `body` is not a table.
-- @route `POST /1.1/{api_key}/in-app-campaigns/create`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/in-app-campaigns-api/create), batch-api.md §2
-- @usage
-- local created = assert(client.inapp_campaigns:create{
--   name = "Banner", live = false, trigger = { capping = 1, when = "NEXT_SESSION" },
--   landing = { theme = "HELLO-THEME", contents = { { language = "en", title = "Hello!", body = "Welcome" } } },
-- })
function InappCampaigns:create(body, opts) end

--- Updates an in-app campaign. See @{Campaigns:update}.
-- @tparam string token the campaign token
-- @tparam table body the fields to change
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn boolean true
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Campaigns:update}.
-- @raise when `token` is not a string or `body` not a table.
-- @route `POST /1.1/{api_key}/in-app-campaigns/update/{token}`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/in-app-campaigns-api/update), batch-api.md §2
-- @usage
-- -- the create's body, changed (Batch wants at least the fields the campaign was created with)
-- body.live = false
-- assert(client.inapp_campaigns:update(token, body))
function InappCampaigns:update(token, body, opts) end

--- Deletes an in-app campaign. See @{Campaigns:delete}.
-- @tparam string token the campaign token
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn boolean true
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Campaigns:delete}.
-- @raise when `token` is not a string.
-- @route `POST /1.1/{api_key}/in-app-campaigns/delete/{token}`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/in-app-campaigns-api/delete), batch-api.md §2
-- @usage assert(client.inapp_campaigns:delete(token))
function InappCampaigns:delete(token, opts) end

-------------------------------------------------------------------------------------------------------
--- CSV exports of a campaign's events or ids, Export API 1.0 (`client.exports`), per app: every call
-- needs `api_key` and `rest_key`. An export is identified by the `id` of its request info; each method
-- takes the id or the info table itself.
--
-- The request info: `id`, `uri`, `request_date`, `status` (`CREATED`, `PENDING`, then `SUCCESS`,
-- `ERROR` or `EXPIRED`), `completion_date`, `file_url` (on `SUCCESS`), `error_msg` (on `ERROR`),
-- `request` (`from`, `to`, `events`, `ids` as sent).
--
-- Downloads: the CSV's signed link is read from the `302` `Location` of `file_url` and fetched without
-- any Batch credential (from an `https` base URL, only an `https` link is followed). The file streams
-- into a temporary file beside its path (`.<name>.<random>.part`, created exclusively, mode 0600) and is
-- renamed when whole, so the path is complete or absent; memory stays flat. An expired link (403, 404,
-- 410 from storage) is asked again once. A download has no total timeout unless `deadline` or `timeout`
-- is given: a transfer slower than 1 byte a second for the client's `timeout` ends in `TIMEOUT`.
-- @type Exports
local Exports = {}

--- Requests an export of a push campaign's events or ids, or of an in-app campaign's events.
-- @tparam table spec `campaign = TOKEN` or `inapp_campaign = TOKEN`; `kind` (`"events"` or `"ids"`;
-- in-app campaigns: `"events"` only); `from`, `to` (`"now"` or a UTC date like `"2019-08-14T22:00:00"`);
-- `events` (array of event names, e.g. `push_sent`, `push_open`); `ids` (array of id columns:
-- `install_id`, `custom_id`, `advertising_id`); and the per-call `deadline`, `timeout`
-- @treturn table the request info (with `id`, read from Batch's `id` or `token`; status `CREATED`)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (both `campaign` and `inapp_campaign`, a bad kind, token or date, empty
-- `events` or `ids`: nothing is sent), `ROUTE_NOT_FOUND` (no such campaign), `MISSING_PARAMETER`,
-- `MALFORMED_PARAMETER`, and the common errors.
-- @raise when `spec` is not a table, on an unknown field, a `kind`, `from`, `to`, `events` or `ids`
-- missing or of the wrong type, or neither `campaign` nor `inapp_campaign`.
-- @route `POST /1.0/{api_key}/export/campaign/{token}/events`, `POST /1.0/{api_key}/export/campaign/{token}/ids`
-- or `POST /1.0/{api_key}/export/inapp-campaign/{token}/events`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/export/create), batch-api.md §3.1
-- @usage
-- local req = assert(client.exports:create{
--   campaign = token, kind = "events", from = "2019-08-14T22:00:00", to = "now",
--   events = { "push_sent", "push_open" }, ids = { "install_id", "custom_id" },
-- })
-- print(req.id, req.status)
function Exports:create(spec) end

--- Gets an export's request info.
-- @tparam string|table id the export id, or its info table
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table the request info
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (an id that is not 1 to 128 characters of `[A-Za-z0-9_-]`),
-- `ROUTE_NOT_FOUND` (no such export), `API_MISUSE` (a DEV API key), `INVALID_RESPONSE` (no `id` in the
-- answer), and the common errors.
-- @raise when `id` is neither a string nor a table with a string `id`.
-- @route `GET /1.0/{api_key}/export/request/{id}`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/export/get-status), batch-api.md §3.2
-- @usage print(assert(client.exports:get(id)).status)
function Exports:get(id, opts) end

--- Lists the app's export requests, newest first (Batch returns about the last 1000, of the last
-- 4 months).
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn {table,...} the request infos
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_RESPONSE` (not an array), and the common errors.
-- @raise on an unknown option.
-- @route `GET /1.0/{api_key}/export/requests`:
-- [Batch's page](https://doc.batch.com/api/export/get-all-requests/), batch-api.md §3.4
-- @usage for _, info in ipairs(assert(client.exports:list())) do print(info.id, info.status) end
function Exports:list(opts) end

--- Waits until an export is done (@{batch.poll} over @{Exports:get}). Polls that fail with a retryable
-- error (429, 5xx, network) do not end the wait.
-- @tparam string|table id the export id, or its info table
-- @tparam[opt] table opts the options of @{batch.poll}: `interval`, `max_interval`, `factor`, `jitter`,
-- `timeout` (the whole wait's, default 1800), `on_poll = function(info, attempt, elapsed)` (`false`
-- cancels), `sleep`, `now`
-- @treturn table the final request info (status `SUCCESS`, with `file_url`)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `EXPORT_FAILED` (status `ERROR`; `err.export` is the info, `err.message` its `error_msg`),
-- `EXPORT_EXPIRED` (status `EXPIRED`; `err.export`), `WAIT_TIMEOUT` (`err.info` is the last info),
-- `CANCELLED`, `INVALID_ARGUMENT` (a malformed id), or a non-retryable error of @{Exports:get}.
-- @raise when `id` is neither a string nor an info table, on a bad option.
-- @route `GET /1.0/{api_key}/export/request/{id}`, once per poll
-- @usage
-- local info, err = client.exports:wait(req.id, {
--   timeout = 600, on_poll = function(i) io.stderr:write(i.status, "\n") end })
-- if not info then error(tostring(err)) end
function Exports:wait(id, opts) end

--- The signed link of a finished export's CSV: reads the `302` `Location` of `file_url`, without
-- following it. The link holds no Batch credential; Batch makes it expire after 20 minutes.
-- @tparam string|table id the export id, or its info table (one with `file_url` is used as it is;
-- otherwise the info is read first)
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn string the URL
-- @treturn number when it expires (Unix time: the link's `expires` parameter, else 20 minutes from now)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (the export is not `SUCCESS`; `err.export` is its info),
-- `INVALID_RESPONSE` (no `Location`, one that is not http(s), or plain http from an https base URL),
-- `ROUTE_NOT_FOUND`, and the common errors.
-- @raise when `id` is neither a string nor an info table.
-- @route `GET /1.0/{api_key}/export/request/{id}/results/{file}` (the info's `file_url`):
-- [Batch's page](https://doc.batch.com/developer/api/mep/export/get-status), batch-api.md §3.3
-- @usage
-- local url, expires = assert(client.exports:download_url(info))
-- print(url, os.date("!%H:%M:%S", expires))
function Exports:download_url(id, opts) end

--- Downloads a finished export's CSV to `path` (see the downloads above: `path` is whole or absent).
-- @tparam string|table id the export id, or its info table
-- @tparam string path where to write the file (its folder must exist)
-- @tparam[opt] table opts `on_progress = function(done, total)` (bytes; `total` may be nil; return
-- `false` to cancel), `deadline` (the whole download's), `timeout` (per attempt)
-- @treturn table `{ path = ..., bytes = ... }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (an empty `path` or one ending in `/`, an export that is not `SUCCESS`),
-- `HTTP_ERROR` (storage refused the link), `IO_ERROR` (the file cannot be written or renamed),
-- `CANCELLED` (on_progress returned `false`), the errors of @{Exports:download_url}, and the common
-- errors.
-- @raise when `path` is not a string, `id` neither a string nor an info table, on an unknown option.
-- @route `GET /1.0/{api_key}/export/request/{id}/results/{file}` for the link, then the link itself
-- @usage
-- local res = assert(client.exports:download(info, "events.csv", {
--   on_progress = function(done, total) io.stderr:write(done, "/", tostring(total), "\r") end }))
-- print(res.path, res.bytes)
function Exports:download(id, path, opts) end

--- Iterates over a finished export's CSV rows. The file is downloaded first (to `opts.path`, or to a
-- temporary file removed when the loop ends, fails or, on Lua 5.4, breaks), then read in chunks. The
-- CSV is `;`-separated with a header line; quoted fields, CRLF and a UTF-8 BOM are handled.
-- @tparam string|table id the export id, or its info table
-- @tparam[opt] table opts `path` (keep the CSV there), `columns` (an array of 1 to 1000 header names:
-- each row gives the fields named, as values in that order, instead of a table; no table is made per
-- row and only those fields become Lua strings, the fastest way through a large export), `on_progress`,
-- `deadline`, `timeout`
-- @treturn function an iterator giving each row as a table keyed by the header (with `columns`: the
-- named fields, `""` for one a short row lacks, as a `nil` would end the loop), or `false, err` once
-- @errors as @{Exports:download}, `INVALID_RESPONSE` (a malformed CSV), and `INVALID_ARGUMENT` (a
-- column the header lacks: given before any row).
-- @raise when `id` is neither a string nor an info table, `path` is not a string, `columns` is not an
-- array of 1 to 1000 strings, on an unknown option.
-- @route as @{Exports:download}
-- @usage
-- for row, err in client.exports:rows(info) do
--   if not row then error(tostring(err)) end
--   print(row.install_id, row.event_type)
-- end
-- for id, event in client.exports:rows(info, { columns = { "install_id", "event_type" } }) do
--   if not id then error(tostring(event)) end
--   print(id, event)
-- end
function Exports:rows(id, opts) end

-------------------------------------------------------------------------------------------------------
--- Transactional pushes, API 1.1 (`client.transactional`), per app: a push to the users listed. Batch
-- keeps each platform's app apart: to reach iOS and Android users, send once per app (@{Client:for_app}).
-- @type Transactional
local Transactional = {}

--- Sends a transactional push.
--
-- Checked before sending: `group_id` (required: letters, digits, `_` and `-`), `recipients` (required,
-- with at least one id among `custom_ids`, `install_ids`, `tokens`, each a non-empty string). The rest
-- of the body is Batch's to check.
-- @tparam table body `group_id` (groups the analytics; need not be unique), `recipients = { custom_ids =
-- {...}, install_ids = {...}, tokens = {...} }`, `message = { title, body }`, and Batch's other fields
-- (`deeplink`, `priority`, `time_to_live`, `media`, `custom_payload`, ...)
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ token = ... }`: Batch's transactional response token
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a missing or malformed `group_id`, no `recipients`, no id or an empty
-- one), `MISSING_PARAMETER`, `MALFORMED_PARAMETER`, `MALFORMED_JSON_BODY`, and the common errors.
-- @raise when `body` is not a table, `group_id` is not a string, `recipients` or one of its lists not
-- a table, an id not a string.
-- @route `POST /1.1/{api_key}/transactional/send`:
-- [Batch's page](https://doc.batch.com/api/transactional/send), batch-api.md §6.1
-- @usage
-- local sent = assert(client.transactional:send{
--   group_id = "order_shipped",
--   recipients = { custom_ids = { "john.doe" } },
--   message = { title = "Your order has been shipped!", body = "Tap to track your parcel" },
-- })
-- print(sent.token)
function Transactional:send(body, opts) end

--- Gets the statistics of a group of transactional pushes, day by day (Live API keys only).
-- @tparam string group_id the `group_id` the pushes were sent with
-- @tparam table opts `from` (required: a day like `"2024-05-01"`, Batch's `since`), `to` (optional, the
-- last day, Batch's `until`; default today, GMT), `deadline`, `timeout`. `from` must come before `to`,
-- at most 6 months apart.
-- @treturn table `{ group_id = ..., detail = { {date, sent, direct_open, influenced_open, reengaged,
-- errors}, ... } }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a malformed `group_id`, no `from`, a day that is not `YYYY-MM-DD`, `from`
-- after `to`, a window over 6 months), `API_MISUSE` (a DEV API key), `INVALID_RESPONSE` (no `detail`),
-- and the common errors.
-- @raise when `group_id`, `from` or `to` is not a string, on an unknown option.
-- @route `GET /1.1/{api_key}/transactional/stats/{group_id}` (`?since=&until=`):
-- [Batch's page](https://doc.batch.com/api/transactional/stats/), batch-api.md §6.2
-- @usage
-- local stats = assert(client.transactional:stats("order_shipped", { from = "2024-05-01" }))
-- for _, day in ipairs(stats.detail) do print(day.date, day.sent, day.direct_open) end
function Transactional:stats(group_id, opts) end

-------------------------------------------------------------------------------------------------------
--- Users' custom data, Custom Data API 1.0 (`client.custom_data`), per app: attributes set on the
-- users of an app by Custom ID. Batch applies the changes later, not in real time. A Custom ID is any
-- non-empty string (`john.doe`, `a/b`: it is percent-encoded into the path); an empty one is
-- `INVALID_ARGUMENT`.
-- @type CustomData
local CustomData = {}

--- Sets a user's attributes.
-- @tparam string custom_id the user's Custom ID
-- @tparam table values `{ [attribute] = value }` (Batch's typed names such as `date(name)` work as
-- Batch documents them)
-- @tparam[opt] table opts `overwrite` (boolean, default false; sent as Batch's `overwrite`: `true` asks
-- Batch to replace the user's custom data by `values` instead of merging them), `deadline`, `timeout`
-- @treturn table `{ token = ... }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (an empty Custom ID), `MALFORMED_PARAMETER`, `MALFORMED_JSON_BODY`, and
-- the common errors.
-- @raise when `custom_id` is not a string, `values` not a table, `overwrite` not a boolean, on an
-- unknown option.
-- @route `POST /1.0/{api_key}/data/users/{custom_id}`:
-- [Batch's page](https://batch.com/doc/api/custom-data-api/set-update.html), batch-api.md §8.1
-- @usage assert(client.custom_data:set("john.doe", { plan = "premium", age = 42 }))
function CustomData:set(custom_id, values, opts) end

--- Sets the attributes of many users in one call (at most 10 000).
-- @tparam table updates an array of `{ id = CUSTOM_ID, values = {...}, overwrite = false }`
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ token = ... }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (no update, more than 10 000, an empty Custom ID),
-- `MALFORMED_PARAMETER`, `MALFORMED_JSON_BODY`, and the common errors.
-- @raise when `updates` or an update is not a table, an `id` not a string, `values` not a table,
-- `overwrite` not a boolean.
-- @route `POST /1.0/{api_key}/data/users`:
-- [Batch's page](https://batch.com/doc/api/custom-data-api/set-update.html), batch-api.md §8.1
-- @usage
-- assert(client.custom_data:set_many{
--   { id = "john.doe", values = { plan = "premium" } },
--   { id = "jane.doe", values = { plan = "free" }, overwrite = true },
-- })
function CustomData:set_many(updates, opts) end

--- Removes a user's custom data.
-- @tparam string custom_id the user's Custom ID
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ token = ... }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (an empty Custom ID), and the common errors.
-- @raise when `custom_id` is not a string.
-- @route `DELETE /1.0/{api_key}/data/users/{custom_id}`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/custom-data-api/delete), batch-api.md §8.2
-- @usage assert(client.custom_data:delete("john.doe"))
function CustomData:delete(custom_id, opts) end

--- Removes the custom data of many users in one call (at most 10 000).
-- @tparam {string,...} ids the Custom IDs
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ token = ... }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (no id, more than 10 000, an empty one), `MALFORMED_JSON_BODY`, and the
-- common errors.
-- @raise when `ids` is not a table, or an id not a string.
-- @route `DELETE /1.0/{api_key}/data/users`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/custom-data-api/delete), batch-api.md §8.2
-- @usage assert(client.custom_data:delete_many{ "john.doe", "jane.doe" })
function CustomData:delete_many(ids, opts) end

-------------------------------------------------------------------------------------------------------
--- Users' events, Trigger Events API 1.0 (`client.events`), per app, by Custom ID.
--
-- An event is `{ name, time, label, attributes, tags }`, checked before anything is sent against the
-- limits Batch documents:
--
-- * `name` (required, non-empty);
-- * `time` (optional; default: when Batch receives it): `"YYYY-MM-DDTHH:MM:SS"` in UTC or a Unix time
--   (sent in Batch's form), within the last 24 hours and not in the future;
-- * `label`: at most 200 characters;
-- * `attributes`: at most 15; names of 1 to 30 characters of `[a-z0-9_]`, or typed as `date(name)` or
--   `url(name)`; string values at most 64 characters (a `url(...)` value is not bounded);
-- * `tags`: at most 10 strings of at most 64 characters.
--
-- A call takes at most 1000 events.
-- @type Events
local Events = {}

--- Tracks events of one user (at most 1000).
-- @tparam string custom_id the user's Custom ID
-- @tparam table events an array of events
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table Batch's answer (its body decoded; `raw`, the body text, when it is not a JSON object)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (an empty Custom ID, no event, more than 1000, an event that breaks a limit
-- above: the message names the event and the rule), `MALFORMED_PARAMETER`, `MALFORMED_JSON_BODY`, and
-- the common errors.
-- @raise when `custom_id` is not a string, `events` or an event not a table, `name` or `label` not a
-- string, `time` neither a string nor a number, `attributes` or `tags` not a table, a tag not a string.
-- @route `POST /1.0/{api_key}/events/users/{custom_id}`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/trigger-events-api/track-events),
-- batch-api.md §9.1
-- @usage
-- assert(client.events:track("john.doe", {
--   { name = "added_to_cart", time = os.time() - 60, label = "pumpkin",
--     attributes = { quantity = 5, ["date(promo_ends)"] = "2030-01-01T04:00:00" },
--     tags = { "fruits", "organic" } },
-- }))
function Events:track(custom_id, events, opts) end

--- Tracks events of many users in one call (at most 1000 events in all).
-- @tparam table users an array of `{ id = CUSTOM_ID, events = {...} }`
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table Batch's answer, as for @{Events:track}
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (no user, an empty Custom ID, a user with an empty `events`, more than
-- 1000 events in all, an event that breaks a limit), `MALFORMED_PARAMETER`, `MALFORMED_JSON_BODY`, and
-- the common errors.
-- @raise when `users`, a user or its `events` is not a table, an `id` not a string, and as
-- @{Events:track}.
-- @route `POST /1.0/{api_key}/events/users`:
-- [Batch's page](https://doc.batch.com/developer/api/mep/trigger-events-api/track-events),
-- batch-api.md §9.1
-- @usage
-- assert(client.events:track_many{
--   { id = "john.doe", events = { { name = "app_opened" } } },
--   { id = "jane.doe", events = { { name = "order_paid", label = "order-42" } } },
-- })
function Events:track_many(users, opts) end

-------------------------------------------------------------------------------------------------------
--- Custom audiences of an app, Custom Audience API 1.0 and 1.1 (`client.custom_audiences`), per app.
--
-- Every method takes `version` in its options: `"1.1"` (the default) takes install ids, `"1.0"`
-- custom user ids and advertising ids. An audience name is 1 to 255 characters of letters, digits,
-- `_` and `-` (case-sensitive); another one is `INVALID_ARGUMENT`. A call takes at most 10 000 ids.
-- Batch documents no success body for these writes: the result is its answer as it comes (decoded, or
-- `{ raw = body }`), which may carry a `token` or an `indexing_token`.
-- @type CustomAudiences
local CustomAudiences = {}

--- Creates a custom audience.
-- @tparam string name the audience's name
-- @tparam[opt] table opts `type` (`"custom_ids"` or `"advertising_ids"`: required with version 1.0),
-- `description` (string), `version` (`"1.1"` or `"1.0"`), `deadline`, `timeout`
-- @treturn table Batch's answer
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad name; a missing `type` with version 1.0, or one that is neither
-- `custom_ids` nor `advertising_ids`), `MISSING_PARAMETER`, `MALFORMED_PARAMETER`, and the common
-- errors.
-- @raise when `name` is not a string, a `type` or `description` given but not a string, on an unknown
-- option or version.
-- @route `POST /1.1/{api_key}/custom-audience/{name}`:
-- [Batch's page](https://doc.batch.com/api/custom-audience/1.1/create), batch-api.md §10.2
-- @route `POST /1.0/{api_key}/custom-audience/{name}`:
-- [Batch's page](https://doc.batch.com/api/custom-audience/1.0/create), batch-api.md §10.2
-- @usage
-- assert(client.custom_audiences:create("vip_users",
--   { version = "1.0", type = "custom_ids", description = "Our best customers" }))
function CustomAudiences:create(name, opts) end

--- Adds ids to a custom audience, or removes ids from it (at most 10 000).
-- @tparam string name the audience's name
-- @tparam table ids an array of `{ action = "add" | "remove", id = ..., attributes = {...} }` (1.1 also
-- takes `tags`); a string is an id to add
-- @tparam[opt] table opts `version`, `type` (1.0: `"custom_ids"` or `"advertising_ids"`), `deadline`,
-- `timeout`
-- @treturn table Batch's answer
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad name, no id, more than 10 000, an action that is neither `add` nor
-- `remove`, an empty id), `ROUTE_NOT_FOUND` (no such audience), `MALFORMED_PARAMETER`, and the common
-- errors.
-- @raise when `name` is not a string, `ids` not a table, an entry neither a string nor a table, its
-- `action` or `id` not a string, on an unknown option or version.
-- @route `PATCH /1.1/{api_key}/custom-audience/{name}`:
-- [Batch's page](https://doc.batch.com/api/custom-audience/1.1/update), batch-api.md §10.2
-- @route `PATCH /1.0/{api_key}/custom-audience/{name}`:
-- [Batch's page](https://doc.batch.com/api/custom-audience/1.0/update), batch-api.md §10.2
-- @usage
-- assert(client.custom_audiences:update("vip_users", {
--   "install-id-1",                                   -- added
--   { action = "remove", id = "install-id-2" },
-- }))
function CustomAudiences:update(name, ids, opts) end

--- Replaces every id of a custom audience by those given (at most 10 000).
-- @tparam string name the audience's name
-- @tparam table ids an array of `{ id = ..., attributes = {...} }`; a string is an id
-- @tparam[opt] table opts `version`, `type`, `deadline`, `timeout`
-- @treturn table Batch's answer
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad name, no id, more than 10 000, an empty id), `ROUTE_NOT_FOUND`,
-- `MALFORMED_PARAMETER`, and the common errors.
-- @raise as @{CustomAudiences:update}.
-- @route `PUT /1.1/{api_key}/custom-audience/{name}`:
-- [Batch's page](https://doc.batch.com/api/custom-audience/1.1/replace), batch-api.md §10.2
-- @route `PUT /1.0/{api_key}/custom-audience/{name}`:
-- [Batch's page](https://doc.batch.com/api/custom-audience/1.0/replace), batch-api.md §10.2
-- @usage assert(client.custom_audiences:replace("vip_users", { "install-id-1", "install-id-3" }))
function CustomAudiences:replace(name, ids, opts) end

--- Deletes a custom audience (one still used in a campaign becomes an empty audience).
-- @tparam string name the audience's name
-- @tparam[opt] table opts `version`, `deadline`, `timeout`
-- @treturn table Batch's answer
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad name), `ROUTE_NOT_FOUND`, and the common errors.
-- @raise when `name` is not a string, on an unknown option or version.
-- @route `DELETE /1.1/{api_key}/custom-audience/{name}`:
-- [Batch's page](https://doc.batch.com/api/custom-audience/1.1/delete), batch-api.md §10.2
-- @route `DELETE /1.0/{api_key}/custom-audience/{name}`:
-- [Batch's page](https://doc.batch.com/api/custom-audience/1.0/delete), batch-api.md §10.2
-- @usage assert(client.custom_audiences:delete("vip_users"))
function CustomAudiences:delete(name, opts) end

--- Lists one page of the app's custom audiences, newest first.
-- @tparam[opt] table opts `from` (offset, default 0), `limit` (1 to 100, default 10), `version`,
-- `deadline`, `timeout`
-- @treturn table `{ custom_audiences = { {name, type, description, nb_ids, created, updated}, ... } }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad `from` or `limit`), `INVALID_RESPONSE` (no `custom_audiences`),
-- and the common errors.
-- @raise on an unknown option or version.
-- @route `GET /1.1/{api_key}/custom-audience` (`?from=&limit=`):
-- [Batch's page](https://doc.batch.com/api/custom-audience/1.1/list/), batch-api.md §10.2
-- @route `GET /1.0/{api_key}/custom-audience`:
-- [Batch's page](https://doc.batch.com/api/custom-audience/1.0/list/), batch-api.md §10.2
-- @usage
-- local page = assert(client.custom_audiences:list{ limit = 20 })
-- for _, a in ipairs(page.custom_audiences) do print(a.name, a.nb_ids) end
function CustomAudiences:list(opts) end

--- Iterates over every custom audience of the app, page by page (a short page is the last). On a
-- failure it yields `false, err` once, then ends.
-- @tparam[opt] table opts `page_size` (1 to 100, default 100), `version`, `deadline` (the whole
-- iteration's), `timeout`
-- @treturn function an iterator giving each audience, or `false, err`
-- @errors as @{CustomAudiences:list}.
-- @raise on an unknown option or version.
-- @route `GET /1.x/{api_key}/custom-audience`, once per page
-- @usage
-- for a, err in client.custom_audiences:each{ version = "1.0" } do
--   if not a then error(tostring(err)) end
--   print(a.name, a.type)
-- end
function CustomAudiences:each(opts) end

-------------------------------------------------------------------------------------------------------
--- Data review and removal requests, GDPR API 1.0 (`client.gdpr`), per app. Batch keeps a request's
-- information 20 to 30 days after it was made (pending requests stay).
-- @type Gdpr
local Gdpr = {}

--- Makes a review (data report) or removal request for a user.
-- @tparam table body `request_type` (`"review"` or `"remove"`), `id = { type = "custom_id" |
-- "advertising_id" | ..., value = "..." }`, `callback_url` (optional: called once the request is done)
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ request_id = ... }` (read from Batch's `request_id` or `token`; in Batch's answers
-- `id` is the user's identifier object)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (no `request_type` or one that is neither `review` nor `remove`, no `id`,
-- `id.type` or `id.value`, an empty `id.value`), `MISSING_PARAMETER`, `MALFORMED_PARAMETER`, and the
-- common errors.
-- @raise when `body` is not a table, `request_type`, `id.type`, `id.value` or `callback_url` not a
-- string, `id` not a table.
-- @route `POST /1.0/{api_key}/gdpr/request`:
-- [Batch's page](https://doc.batch.com/api/gdpr/create), batch-api.md §12.1
-- @usage
-- local req = assert(client.gdpr:request{
--   request_type = "review", id = { type = "custom_id", value = "john.doe" },
--   callback_url = "https://example.com/gdpr-done",
-- })
-- print(req.request_id)
function Gdpr:request(body, opts) end

--- Gets a request's information: `request_id`, `request_date` (UTC), `status` (`pending` or `done`),
-- `request_type`, `trigger_type` (`dashboard` or `api`), `error`, `data_url` (a review's zip file),
-- `id` (the user's identifier).
-- @tparam string request_id the request's id (from @{Gdpr:request})
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table the request information
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (an id that is not 1 to 128 characters of `[A-Za-z0-9_-]`),
-- `ROUTE_NOT_FOUND` (no such request, or expired), and the common errors.
-- @raise when `request_id` is not a string.
-- @route `GET /1.0/{api_key}/gdpr/request/{request_id}`:
-- [Batch's page](https://doc.batch.com/api/gdpr/get-status), batch-api.md §12.2
-- @usage
-- local info = assert(client.gdpr:get(req.request_id))
-- if info.status == "done" then print(info.data_url or info.error) end
function Gdpr:get(request_id, opts) end

--- Lists the app's requests that have not expired.
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn {table,...} the requests' information, as @{Gdpr:get} gives it
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_RESPONSE` (not an array), and the common errors.
-- @raise on an unknown option.
-- @route `GET /1.0/{api_key}/gdpr/requests`:
-- [Batch's page](https://doc.batch.com/api/gdpr/get-all-requests/), batch-api.md §12.2
-- @usage for _, r in ipairs(assert(client.gdpr:list())) do print(r.request_id, r.status) end
function Gdpr:list(opts) end

-------------------------------------------------------------------------------------------------------
--- Profiles, API 2.x (`client.profiles`), per project: every call needs `rest_key` and `project_key`.
-- @type Profiles
local Profiles = {}

--- Starts a profile export (Batch answers 202; wait for it with @{ProjectExports:wait}).
-- @tparam table body the export: `export_type` (`"ATTRIBUTES"`, `"EVENTS"`, `"REACHABILITY_EVENTS"`);
-- an `ATTRIBUTES` export needs `attributes` and/or `identifiers` (non-empty arrays of names); event
-- exports take `events`, `from`, `to` (RFC 3339 dates; `from` within the 90-day lookback, and for
-- reachability events not before 2024-10-10)
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ id = "export_..." }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (no `export_type`; an ATTRIBUTES export without `attributes` and
-- `identifiers`, or with one that is not a non-empty array of strings; a `from` that is not a date, older
-- than 90 days, or before 2024-10-10 for reachability events), `MISSING_PARAMETER`,
-- `MALFORMED_PARAMETER`, and the common errors.
-- @raise when `body` is not a table, or the client has no `rest_key` or `project_key`.
-- @route `POST /2.N/profiles/export`:
-- [Batch's page](https://doc.batch.com/developer/api/cep/profiles/export), batch-api.md §4.1
-- @usage
-- local started = assert(client.profiles:export{
--   export_type = "ATTRIBUTES", identifiers = { "custom_id" }, attributes = { "$email_address" } })
-- print(started.id)
function Profiles:export(body, opts) end

--- Updates or creates up to 200 profiles (Batch answers 202 and applies them later; a profile that
-- matches no existing one is created). Each profile needs an `identifiers` table
-- (`{ custom_id = "..." }`); its `attributes` and `events` are Batch's to check: an invalid one comes
-- back among the partial errors while the rest of the batch is applied. Batch's rate: 300 updates a
-- second (one update is one Custom ID), bursts of 1000.
-- @tparam table profiles an array of `{ identifiers = {...}, attributes = {...}, events = {...} }`
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table Batch's answer: `{ code = "SUCCESS" }` or `{ code = "SUCCESS_WITH_PARTIAL_ERRORS",
-- errors = { { bulk_index, category, reason, attribute }, ... } }` (partial errors are a result, not an
-- error: do not send the whole batch again)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (no profile, more than 200, a profile without `identifiers`: nothing sent),
-- `TOO_MANY_REQUESTS` (over Batch's rate), `MALFORMED_JSON_BODY`, and the common errors.
-- @raise when `profiles` or a profile is not a table, or the client has no `rest_key` or `project_key`.
-- @route `POST /2.N/profiles/update`:
-- [Batch's page](https://doc.batch.com/developer/api/cep/profiles/update), batch-api.md §7
-- @usage
-- local res = assert(client.profiles:update{
--   { identifiers = { custom_id = "john.doe" },
--     attributes = { firstname = "John", ["$language"] = "en" } },
-- })
-- for _, e in ipairs(res.errors or {}) do print(e.bulk_index, e.reason) end
function Profiles:update(profiles, opts) end

--- Updates or creates up to 10 000 profiles: for dumps, "one to two times per day" (Batch's rate:
-- 10 000 updates a second). The same profiles and answer as @{Profiles:update}.
-- @tparam table profiles an array of profiles
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table Batch's answer, as for @{Profiles:update}
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Profiles:update}, with a cap of 10 000.
-- @raise as @{Profiles:update}.
-- @route `POST /2.N/profiles/mass-update`:
-- [Batch's page](https://doc.batch.com/developer/api/cep/profiles/mass-update-profile), batch-api.md §7
-- @usage
-- local res = assert(client.profiles:mass_update(all_profiles))
-- print(res.code)
function Profiles:mass_update(profiles, opts) end

-------------------------------------------------------------------------------------------------------
--- The Project Export API, 2.x (`client.project_exports`), per project: every call needs `rest_key`
-- and `project_key`.
--
-- The view of an export: `id`, `status` (`CREATED`, `PENDING`, `RUNNING`, then `SUCCESS` or `ERROR`),
-- `scope`, `request`, `request_date`, `start_date`, `completion_date`, `files` (on `SUCCESS`:
-- `{ {id, part, size, url}, ... }`, parts of at most 100 MB).
--
-- Downloads: each part's signed link is read from the API's `307` `Location` and fetched without
-- credentials, streamed into a temporary file and renamed when whole, as @{Exports} downloads are. A
-- part is written as `<export id>-part<N>.json`; a view whose id is not `[A-Za-z0-9_-]`, or two files of
-- one name, is `INVALID_RESPONSE`.
-- @type ProjectExports
local ProjectExports = {}

--- Gets an export's view.
-- @tparam string|table id the export id, or its view
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table the view
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (an id that is not 1 to 128 characters of `[A-Za-z0-9_-]`),
-- `ROUTE_NOT_FOUND` (no such export), `INVALID_RESPONSE` (no `id`), and the common errors.
-- @raise when `id` is neither a string nor a table with a string `id`.
-- @route `GET /2.N/exports/view` (`?id=`):
-- [Batch's page](https://doc.batch.com/developer/api/cep/exports/view), batch-api.md §4.2
-- @usage print(assert(client.project_exports:get(id)).status)
function ProjectExports:get(id, opts) end

--- Lists one page of the project's exports, newest first.
-- @tparam[opt] table opts `from` (the cursor a previous page gave as `next_from`), `limit` (1 to 100,
-- default 10), `deadline`, `timeout`
-- @treturn table `{ exports = {view, ...}, has_more = boolean, next_from = cursor, count = n }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad `limit`), `MALFORMED_PARAMETER` (a bad cursor),
-- `INVALID_RESPONSE` (no `exports`), and the common errors.
-- @raise on an unknown option, or a `from` that is not a string.
-- @route `GET /2.N/exports/list` (`?from=&limit=`):
-- [Batch's page](https://doc.batch.com/developer/api/cep/exports/list), batch-api.md §4.3
-- @usage
-- local page = assert(client.project_exports:list{ limit = 20 })
-- if page.has_more then page = assert(client.project_exports:list{ from = page.next_from }) end
function ProjectExports:list(opts) end

--- Iterates over every export, following the cursors. On a failure it yields `false, err` once.
-- @tparam[opt] table opts `page_size` (1 to 100, default 100), `deadline` (the whole iteration's),
-- `timeout`
-- @treturn function an iterator giving each view, or `false, err`
-- @errors as @{ProjectExports:list}.
-- @raise on an unknown option.
-- @route `GET /2.N/exports/list`, once per page
-- @usage
-- for v, err in client.project_exports:each{} do
--   if not v then error(tostring(err)) end
--   print(v.id, v.status)
-- end
function ProjectExports:each(opts) end

--- Waits until an export is done (@{batch.poll} over @{ProjectExports:get}). Polls that fail with a
-- retryable error do not end the wait.
-- @tparam string|table id the export id, or its view
-- @tparam[opt] table opts the options of @{batch.poll} (`timeout`: the whole wait's, default 1800)
-- @treturn table the final view (status `SUCCESS`, with `files`)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `EXPORT_FAILED` (status `ERROR`; `err.export` is the view), `WAIT_TIMEOUT` (`err.info`),
-- `CANCELLED`, `INVALID_ARGUMENT` (a malformed id), or a non-retryable error of @{ProjectExports:get}.
-- @raise when `id` is neither a string nor a view, on a bad option.
-- @route `GET /2.N/exports/view`, once per poll
-- @usage local view = assert(client.project_exports:wait(started.id, { timeout = 900 }))
function ProjectExports:wait(id, opts) end

--- Downloads every file part of a finished export into the folder `dir`, as
-- `dir/<id>-part<N>.json`. The parts download at once, at most `concurrency` at a time (with `"curl"`
-- on the client's connection pool, inside nginx on light threads); each file is whole or absent, and
-- when a part fails for good the parts already written stay (the error is the first failing part's).
-- @tparam string|table id the export id, or its view (one with status `SUCCESS` and `files` is used as
-- it is; otherwise the view is read first)
-- @tparam string dir an existing folder
-- @tparam[opt] table opts `concurrency` (1 to 1024, default 4), `on_progress = function(done, total)`
-- (the bytes of every part; `total` from the view's sizes; `false` cancels), `deadline`, `timeout`
-- @treturn {table,...} one `{ path = ..., bytes = ..., part = n }` per file
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (an empty `dir`, an export that is not `SUCCESS`), `HTTP_ERROR` (storage
-- refused a link), `IO_ERROR` (a file cannot be written), `CANCELLED`, `INVALID_RESPONSE` (a bad
-- `Location` or view), and the common errors.
-- @raise when `dir` is not a string, `id` neither a string nor a view, `concurrency` out of range, on an
-- unknown option.
-- @route `GET /2.N/exports/download?id={file_id}` (each file's `url`), then each link itself:
-- [Batch's page](https://doc.batch.com/api/project-export/download), batch-api.md §4.4
-- @usage
-- for _, f in ipairs(assert(client.project_exports:download(view, "/tmp/export"))) do
--   print(f.part, f.path, f.bytes)
-- end
function ProjectExports:download(id, dir, opts) end

--- Iterates over the JSON records of every part of a finished export. The parts are downloaded as
-- @{ProjectExports:download} does, to temporary files removed once read (and when the loop ends,
-- fails or, on Lua 5.4, breaks); each is read line by line (NDJSON, or one JSON array).
-- @tparam string|table id the export id, or its view
-- @tparam[opt] table opts `concurrency`, `on_progress`, `deadline`, `timeout`
-- @treturn function an iterator giving each record (a table), or `false, err` once
-- @errors as @{ProjectExports:download}, and `INVALID_RESPONSE` (a record that is not JSON).
-- @raise when `id` is neither a string nor a view, `concurrency` out of range, on an unknown option.
-- @route as @{ProjectExports:download}
-- @usage
-- for record, err in client.project_exports:records(view) do
--   if not record then error(tostring(err)) end
--   print(record.identifiers.custom_id)
-- end
function ProjectExports:records(id, opts) end

-------------------------------------------------------------------------------------------------------
--- A queue of writes, made by @{Client:queue}.
--
-- What it guarantees:
--
-- * Every item an add accepted is sent at least once, or handed to `on_drop` with its reason: never lost
--   in silence. Delivery is **at least once, not exactly once**: after any retryable failure (429, 5xx,
--   a timeout, a connection cut, also after the batch was sent) the batch is sent again, so a profile
--   update may be applied twice (harmless) and an event may be counted twice. A spool extends this to a
--   process that is killed: its next queue sends the batch that was in flight again.
-- * Items of one custom ID are sent in the order they were added, per route and per process (or nginx
--   worker): while a batch holding an ID is out, later items of that ID wait for it, so a resend cannot
--   reorder them. Order across routes (a profile update and an event) is not kept.
-- * Batches hold at most each route's cap: 200 profiles, 1000 events in all, 10 000 custom data updates.
-- * profiles/update runs on a token bucket 5% under Batch's 300 custom IDs a second (burst 1000), one
--   token per distinct custom ID of a call; the other routes, whose rates Batch does not document, send
--   one batch at a time. A 429 pauses its route for at least 5 s, or `Retry-After` when it says more; with
--   `shared_dict`, for every worker.
-- * Partial errors drop only the items they name; a 400 that names no item splits the batch in halves,
--   sent again, until the bad item is alone and dropped with Batch's error. An event older than 24
--   hours when its batch goes is dropped (`INVALID_ARGUMENT`), the rest sent.
-- * A queue collected (`__gc`) or closed (`__close`) with items pending flushes them (inside nginx, in a
--   timer), or when it cannot, reports them dropped.
--
-- The queue keeps the tables the adds were given (not copies) until they are sent, and hands those same
-- tables to `on_drop`: give each add tables of its own, and do not change them afterwards.
-- @type Queue
local Queue = {}

--- Adds a profile update (`POST /2.x/profiles/update`, 200 a call). Never waits on a budget, a pause or
-- a backoff (outside nginx, the add that fills a batch sends it: see @{Client:queue}).
-- @tparam table profile `{ identifiers = { custom_id = "..." }, attributes = {...}, events = {...} }`, as
-- @{Profiles:update} takes each profile; the queue keeps the table itself until it is sent: do not change
-- it after the add (give each add a table of its own)
-- @treturn boolean true: accepted
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `QUEUE_FULL` (`max_pending` items held: try again once some are sent), `INVALID_ARGUMENT` (no
-- `identifiers.custom_id`, or an empty one: nothing queued), `QUEUE_CLOSED` (inside an nginx worker that
-- exits), `IO_ERROR` (the spool could not be written: not queued).
-- @raise when `profile` or `identifiers` is not a table or the custom ID not a string; after `close`; when
-- the client has no `rest_key` or `project_key`.
-- @route as @{Profiles:update}, in batches of up to 200 profiles
-- @usage assert(q:update_profile{ identifiers = { custom_id = "john.doe" }, attributes = { ["$language"] = "en" } })
function Queue:update_profile(profile) end

--- Adds an event of a user (`POST /1.0/{api_key}/events/users`, 1000 events a call).
-- @tparam string custom_id the user's custom ID
-- @tparam table event `{ name, time, label, attributes, tags }`, checked as `client.events:track` checks it
-- (`time` within the last 24 hours: checked again when its batch goes)
-- @treturn boolean true: accepted
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `QUEUE_FULL`, `INVALID_ARGUMENT` (an empty custom ID, an event without a name, out of Batch's
-- limits or of the 24-hour window), `QUEUE_CLOSED`, `IO_ERROR`.
-- @raise on a wrong Lua type, after `close`, or when the client has no `api_key` or `rest_key`.
-- @route as @{Events:track_many}, in batches of up to 1000 events
-- @usage assert(q:track("john.doe", { name = "added_to_cart", attributes = { price = 12.5 } }))
function Queue:track(custom_id, event) end

--- Adds a custom data update of a user (`POST /1.0/{api_key}/data/users`, 10 000 a call).
-- @tparam string custom_id the user's custom ID
-- @tparam table values attribute name -> value
-- @tparam[opt] boolean overwrite replace the user's data instead of merging into it (default false)
-- @treturn boolean true: accepted
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `QUEUE_FULL`, `INVALID_ARGUMENT` (an empty custom ID), `QUEUE_CLOSED`, `IO_ERROR`.
-- @raise when `custom_id` is not a string, `values` not a table, `overwrite` not a boolean; after `close`.
-- @route as @{CustomData:set_many}, in batches of up to 10 000 updates
-- @usage assert(q:set_custom_data("john.doe", { plan = "premium" }))
function Queue:set_custom_data(custom_id, values, overwrite) end

--- Sends what waits now, even batches that are not due, waiting for budgets, pauses and backoffs
-- (outside nginx through the client's sleep; inside nginx it wakes the timer and waits for it, in the
-- phases that can yield). Returns when nothing is pending, when the deadline passed, or when what is left
-- cannot go before it; what is left stays pending.
-- @tparam[opt] table opts `{ deadline = s }` (default 30)
-- @treturn table what this call did: `{ sent, failed, dropped, pending }`: items sent, items of calls that
-- failed and will go again, items dropped, and items still pending at the end
-- @errors none: failures are counted in the report and reach `on_drop`.
-- @raise when a hook raises (the queue stays usable), or on an unknown option.
-- @route the routes of the items pending (see the adds)
-- @usage
-- local r = q:flush{ deadline = 5 }
-- if r.pending > 0 then print(r.pending .. " items not sent yet") end
function Queue:flush(opts) end

--- Flushes (as @{Queue:flush}), then refuses new items (an add after `close` raises). Items still
-- pending at the deadline are handed to `on_drop` with `QUEUE_CLOSED`, or with a spool, left there for
-- the next queue on it. Idempotent: a second call reports nothing. Also run by `__gc` and, on Lua 5.4,
-- `__close` (`local q <close> = client:queue{}`).
-- @tparam[opt] table opts `{ deadline = s }` (default 30)
-- @treturn table what this call did: `{ sent, failed, dropped, pending }` (`pending`: left in the spool)
-- @errors none, as @{Queue:flush}.
-- @raise when a hook raises, or on an unknown option.
-- @route as @{Queue:flush}
-- @usage
-- local report = q:close{ deadline = 60 }
-- io.stderr:write(("%d sent, %d dropped\n"):format(report.sent, report.dropped))
function Queue:close(opts) end

--- The queue's counts since it was made (for progress: call it after adds, or from `on_flush`).
-- @treturn table `{ pending, sent, failed, dropped, batches, retries, accepted, recovered }`: items
-- pending, sent, of failed calls (counted again at each failure), dropped; calls made, calls that resent
-- a batch; items accepted by adds; items taken over from a dead process's spool
-- @errors none.
-- @route none: it reads the counts it keeps
-- @usage
-- local s = q:stats()
-- print(("%d/%d sent, %d dropped"):format(s.sent, s.accepted + s.recovered, s.dropped))
function Queue:stats() end

-------------------------------------------------------------------------------------------------------
--- Audiences of a project, Audience API 2.x (`client.audiences`), per project: every call needs
-- `rest_key` and `project_key`.
--
-- An audience name is 1 to 255 characters of letters, digits, `_` and `-` (case-sensitive). Writes
-- are applied later: each gives an `indexing_token` to follow with @{Audiences:view}. The view of an
-- audience: `name`, `display_name`, `type` (e.g. `CUSTOM_ID`), `nb_ids`, `indexing_state`
-- (`IN_PROGRESS`, `APPLIED`, `REPLACED`), `created`, `updated`.
-- @type Audiences
local Audiences = {}

--- Creates an audience.
-- @tparam table body `name`, `type` (e.g. `"custom_ids"`), `display_name` (optional)
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ indexing_token = ... }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (no `name` or a bad one, no `type`), `MISSING_PARAMETER`,
-- `MALFORMED_PARAMETER`, and the common errors.
-- @raise when `body` is not a table, `name`, `type` or `display_name` not a string.
-- @route `POST /2.N/audiences/create`:
-- [Batch's page](https://doc.batch.com/developer/api/cep/audiences/create), batch-api.md §10.1
-- @usage
-- local made = assert(client.audiences:create{
--   name = "vip", type = "custom_ids", display_name = "VIP customers" })
-- print(made.indexing_token)
function Audiences:create(body, opts) end

--- Adds ids to an audience, or removes ids from it (at most 10 000; for the same id only the last
-- action counts).
-- @tparam string name the audience's name
-- @tparam table ids an array of `{ action = "add" | "remove", id = CUSTOM_ID, attributes = {...} }`
-- (`attributes`: at most 15, with `add` only); a string is an id to add
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ indexing_token = ... }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (no name or a bad one, no id, more than 10 000, an empty id, an action
-- that is neither `add` nor `remove`, attributes with `remove` or more than 15), `ROUTE_NOT_FOUND`
-- (no such audience), `MALFORMED_PARAMETER`, and the common errors.
-- @raise when `name` is neither a string nor nil, `ids` not a table, an entry neither a string nor a
-- table, its `id` or `action` not a string, its `attributes` not a table.
-- @route `POST /2.N/audiences/update`:
-- [Batch's page](https://doc.batch.com/developer/api/cep/audiences/update), batch-api.md §10.1
-- @usage
-- local res = assert(client.audiences:update("vip", {
--   { action = "add", id = "john.doe", attributes = { tier = "gold" } },
--   { action = "remove", id = "jane.doe" },
-- }))
function Audiences:update(name, ids, opts) end

--- Replaces every id of an audience by those given (at most 10 000).
-- @tparam string name the audience's name
-- @tparam table ids an array of `{ id = CUSTOM_ID, attributes = {...} }`; a string is an id
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ indexing_token = ... }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (no name or a bad one, no id, more than 10 000, an empty id, more than 15
-- attributes), `ROUTE_NOT_FOUND`, `MALFORMED_PARAMETER`, and the common errors.
-- @raise as @{Audiences:update}.
-- @route `POST /2.N/audiences/replace`:
-- [Batch's page](https://doc.batch.com/developer/api/cep/audiences/replace), batch-api.md §10.1
-- @usage assert(client.audiences:replace("vip", { "john.doe", "jack.doe" }))
function Audiences:replace(name, ids, opts) end

--- Removes an audience (one still used in a campaign's targeting counts as empty).
-- @tparam string name the audience's name
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table Batch's answer (it may carry an `indexing_token`)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (no name or a bad one), `ROUTE_NOT_FOUND`, and the common errors.
-- @raise when `name` is neither a string nor nil.
-- @route `POST /2.N/audiences/remove`:
-- [Batch's page](https://doc.batch.com/developer/api/cep/audiences/remove), batch-api.md §10.1
-- @usage assert(client.audiences:remove("vip"))
function Audiences:remove(name, opts) end

--- Gets an audience's view; with an `indexing_token`, the state of that write (`REPLACED` when the
-- audience was replaced since), else of the last one.
-- @tparam string name the audience's name
-- @tparam[opt] table opts `indexing_token` (from a write), `deadline`, `timeout`
-- @treturn table the audience's view
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad name), `ROUTE_NOT_FOUND`, `INVALID_RESPONSE` (no `name`), and the
-- common errors.
-- @raise when `name` or `indexing_token` is not a string, on an unknown option.
-- @route `GET /2.N/audiences/view` (`?name=&indexing_token=`):
-- [Batch's page](https://doc.batch.com/api/audience/view), batch-api.md §10.1
-- @usage
-- local v = assert(client.audiences:view("vip", { indexing_token = res.indexing_token }))
-- print(v.indexing_state, v.nb_ids)
function Audiences:view(name, opts) end

--- Lists one page of the project's audiences.
-- @tparam[opt] table opts `from` (the cursor a previous page gave as `next_from`), `limit` (1 to 100,
-- default 10), `deadline`, `timeout`
-- @treturn table `{ audiences = {view, ...}, has_more = boolean, next_from = cursor, count = n }`
-- (`count` on the first page only)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad `limit`), `INVALID_RESPONSE` (no `audiences`), and the common
-- errors.
-- @raise on an unknown option, or a `from` that is not a string.
-- @route `GET /2.N/audiences/list` (`?from=&limit=`):
-- [Batch's page](https://doc.batch.com/developer/api/cep/audiences/list), batch-api.md §10.1
-- @usage
-- local page = assert(client.audiences:list{ limit = 50 })
-- for _, a in ipairs(page.audiences) do print(a.name, a.nb_ids) end
function Audiences:list(opts) end

--- Iterates over every audience of the project, following the cursors. On a failure it yields
-- `false, err` once, then ends.
-- @tparam[opt] table opts `page_size` (1 to 100, default 100), `deadline` (the whole iteration's),
-- `timeout`
-- @treturn function an iterator giving each audience's view, or `false, err`
-- @errors as @{Audiences:list}.
-- @raise on an unknown option.
-- @route `GET /2.N/audiences/list`, once per page
-- @usage
-- for a, err in client.audiences:each{} do
--   if not a then error(tostring(err)) end
--   print(a.name, a.indexing_state)
-- end
function Audiences:each(opts) end

-------------------------------------------------------------------------------------------------------
--- Campaigns and orchestrations of a project, API 2.x (`client.orchestrations`), per project: every
-- call needs `rest_key` and `project_key`. Campaigns are created, updated and deleted through
-- Batch's `/campaigns/...` routes, listed and measured as orchestrations.
--
-- A campaign is checked before it is sent: `name`, `state` (`DRAFT`, `RUNNING`, `STOPPED`; older
-- versions take `RUNNING` only), `when` (e.g. `{ local_time = false, start_time = "now" }`) and
-- `messages` (exactly one: `channel_type` `"push"` or `"email"`, ...) are required; `send_rate`, when
-- given, is 1000 to 1 000 000 messages a minute; `labels` are at most 5. `targeting` and the rest are
-- Batch's to check.
-- @type Orchestrations
local Orchestrations = {}

--- Creates a campaign.
-- @tparam table campaign the campaign, as above
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ id = "orchestration_..." }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a missing `name`, `state`, `when` or `messages`, not exactly one message,
-- a `send_rate` out of range, more than 5 labels), `MISSING_PARAMETER`, `MALFORMED_PARAMETER`,
-- `MALFORMED_JSON_BODY`, and the common errors.
-- @raise when `campaign` is not a table, `name` or `state` not a string, `when` or `messages` not a
-- table, `send_rate` not a number, `labels` not a table of strings.
-- @route `POST /2.N/campaigns/create`:
-- [Batch's page](https://doc.batch.com/developer/api/cep/campaigns/create), batch-api.md §11.1
-- @usage
-- local made = assert(client.orchestrations:create{
--   name = "Spring sale", state = "RUNNING",
--   when = { local_time = false, start_time = "now" },
--   messages = { { channel_type = "push", title = "Spring sale", body = "-20% today" } },
--   labels = { "sales" },
-- })
-- print(made.id)
function Orchestrations:create(campaign, opts) end

--- Updates a campaign: its contents are overwritten by `campaign` (a completed or running campaign
-- that is not recurring cannot be updated).
-- @tparam string id the orchestration's id (`"orchestration_..."`)
-- @tparam table campaign the whole campaign, as for @{Orchestrations:create}
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn boolean true
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors as @{Orchestrations:create} (the message names `campaign.<field>`), and `ROUTE_NOT_FOUND`.
-- @raise when `id` is not a string, `campaign` not a table, and as @{Orchestrations:create}.
-- @route `POST /2.N/campaigns/update`:
-- [Batch's page](https://doc.batch.com/developer/api/cep/campaigns/update), batch-api.md §11.2
-- @usage assert(client.orchestrations:update(made.id, campaign))
function Orchestrations:update(id, campaign, opts) end

--- Deletes a campaign.
-- @tparam string id the orchestration's id
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn boolean true
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `ROUTE_NOT_FOUND` (no such campaign), and the common errors.
-- @raise when `id` is not a string.
-- @route `POST /2.N/campaigns/delete`:
-- [Batch's page](https://doc.batch.com/developer/api/cep/campaigns/delete), batch-api.md §11.3
-- @usage assert(client.orchestrations:delete(made.id))
function Orchestrations:delete(id, opts) end

--- Lists one page of the project's orchestrations: `id`, `type` (`campaign`, `recurring`, `trigger`),
-- `channels`, `platforms`, `source`, `created_date`, `name`, `labels`, `status`, `start_time`.
-- @tparam[opt] table opts `from` (the cursor a previous page gave as `next_from`), `limit` (1 to 100,
-- default 10), `deadline`, `timeout`
-- @treturn table `{ orchestrations = {...}, has_more = boolean, next_from = cursor, count = n }`
-- (`count` on the first page only)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad `limit`), `INVALID_RESPONSE` (no `orchestrations`), and the common
-- errors.
-- @raise on an unknown option, or a `from` that is not a string.
-- @route `GET /2.N/orchestrations/list` (`?from=&limit=`):
-- [Batch's page](https://doc.batch.com/developer/api/cep/orchestrations/list), batch-api.md §11.4
-- @usage
-- local page = assert(client.orchestrations:list{ limit = 20 })
-- for _, o in ipairs(page.orchestrations) do print(o.id, o.name, o.status) end
function Orchestrations:list(opts) end

--- Iterates over every orchestration of the project, following the cursors. On a failure it yields
-- `false, err` once, then ends.
-- @tparam[opt] table opts `page_size` (1 to 100, default 100), `deadline` (the whole iteration's),
-- `timeout`
-- @treturn function an iterator giving each orchestration, or `false, err`
-- @errors as @{Orchestrations:list}.
-- @raise on an unknown option.
-- @route `GET /2.N/orchestrations/list`, once per page
-- @usage
-- for o, err in client.orchestrations:each{} do
--   if not o then error(tostring(err)) end
--   print(o.id, o.type)
-- end
function Orchestrations:each(opts) end

--- Gets an orchestration's statistics, day by day.
-- @tparam string id the orchestration's id
-- @tparam table opts `from` (required: a day like `"2025-03-18"`, no earlier than 6 months ago),
-- `to` (default today, UTC), `deadline`, `timeout`
-- @treturn table `{ id = ..., details = { {date, sent, delivered, unique_open, total_open,
-- unique_click, total_click, ..., versions}, ... } }`
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a malformed id, no `from`, a day that is not `YYYY-MM-DD`, `from` after
-- `to` or earlier than 6 months ago), `ROUTE_NOT_FOUND`, `INVALID_RESPONSE` (no `details`), and the
-- common errors.
-- @raise when `id`, `from` or `to` is not a string, on an unknown option.
-- @route `GET /2.N/orchestrations/stats` (`?orchestration_id=&from=&to=`):
-- [Batch's page](https://doc.batch.com/developer/api/cep/orchestrations/stats), batch-api.md §11.5
-- @usage
-- local stats = assert(client.orchestrations:stats(made.id, { from = "2025-03-01" }))
-- for _, day in ipairs(stats.details) do print(day.date, day.sent, day.unique_open) end
function Orchestrations:stats(id, opts) end

-------------------------------------------------------------------------------------------------------
--- Catalogs of a project, Catalogs API 2.x (`client.catalogs`), per project: every call needs
-- `rest_key` and `project_key`. Batch takes at most 5 catalogs a project and 5 requests a second.
--
-- A catalog name is 1 to 255 characters of letters, digits, `_` and `-`. A field is `{ name, type }`:
-- `name` 1 to 250 characters of `[a-z0-9_]`, `type` one of `array`, `bool`, `date`, `float`,
-- `integer`, `string`, `url`; a catalog has at most 25 fields.
-- @type Catalogs
local Catalogs = {}

--- Creates a catalog.
-- @tparam table body `name`, `fields` (an array of `{ name, type }`, optional)
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table Batch's answer (`{}`)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (no name or a bad one, an empty `fields`, more than 25, a field with a bad
-- name or type), `MISSING_PARAMETER`, `MALFORMED_PARAMETER`, and the common errors.
-- @raise when `body`, `fields` or a field is not a table, `name` or a field's `name` or `type` of
-- another type than string.
-- @route `POST /2.N/catalogs/create`:
-- [Batch's page](https://doc.batch.com/developer/api/cep/catalogs/create), batch-api.md §13
-- @usage
-- assert(client.catalogs:create{ name = "products", fields = {
--   { name = "price", type = "float" }, { name = "title", type = "string" } } })
function Catalogs:create(body, opts) end

--- Adds fields to a catalog, or removes fields from it.
-- @tparam string name the catalog's name
-- @tparam table fields an array of `{ action = "add" | "remove", name = ..., type = ... }` (`type` is
-- required with `add`)
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table Batch's answer (`{}`)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad name, no field, more than 25, a bad action, field name or type),
-- `ROUTE_NOT_FOUND`, `MALFORMED_PARAMETER`, and the common errors.
-- @raise when `name` is neither a string nor nil, `fields` or a field not a table, a field's `action`
-- not a string, its `name` or `type` of another type than string.
-- @route `POST /2.N/catalogs/update`:
-- [Batch's page](https://doc.batch.com/developer/api/cep/catalogs/update), batch-api.md §13
-- @usage
-- assert(client.catalogs:update("products", {
--   { action = "add", name = "color", type = "string" }, { action = "remove", name = "title" } }))
function Catalogs:update(name, fields, opts) end

--- Removes a catalog.
-- @tparam string name the catalog's name
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table Batch's answer (`{}`)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (no name or a bad one), `ROUTE_NOT_FOUND`, and the common errors.
-- @raise when `name` is neither a string nor nil.
-- @route `POST /2.N/catalogs/remove`:
-- [Batch's page](https://doc.batch.com/developer/api/cep/catalogs/remove), batch-api.md §13
-- @usage assert(client.catalogs:remove("products"))
function Catalogs:remove(name, opts) end

--- Gets a catalog: `name`, `fields`, `items` (their number), `size`, `created`, `updated`,
-- `indexing_state` (with an `indexing_token`, the state of that edit).
-- @tparam string name the catalog's name
-- @tparam[opt] table opts `indexing_token` (from @{Catalogs:edit_items}), `deadline`, `timeout`
-- @treturn table the catalog
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad name), `ROUTE_NOT_FOUND`, `INVALID_RESPONSE` (no `name`), and the
-- common errors.
-- @raise when `name` or `indexing_token` is not a string, on an unknown option.
-- @route `GET /2.N/catalogs/view` (`?name=&indexing_token=`):
-- [Batch's page](https://doc.batch.com/developer/api/cep/catalogs/view), batch-api.md §13
-- @usage
-- local cat = assert(client.catalogs:view("products"))
-- print(cat.items, cat.indexing_state)
function Catalogs:view(name, opts) end

--- Lists one page of the project's catalogs.
-- @tparam[opt] table opts `from` (the cursor a previous page gave as `next_from`), `limit` (1 to 100,
-- default 10), `deadline`, `timeout`
-- @treturn table `{ catalogs = {...}, has_more = boolean, next_from = cursor, count = n }`
-- (`count` on the first page only)
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad `limit`), `INVALID_RESPONSE` (no `catalogs`), and the common errors.
-- @raise on an unknown option, or a `from` that is not a string.
-- @route `GET /2.N/catalogs/list` (`?from=&limit=`):
-- [Batch's page](https://doc.batch.com/developer/api/cep/catalogs/list), batch-api.md §13
-- @usage
-- local page = assert(client.catalogs:list{})
-- for _, c in ipairs(page.catalogs) do print(c.name, c.items) end
function Catalogs:list(opts) end

--- Iterates over every catalog of the project, following the cursors. On a failure it yields
-- `false, err` once, then ends.
-- @tparam[opt] table opts `page_size` (1 to 100, default 100), `deadline` (the whole iteration's),
-- `timeout`
-- @treturn function an iterator giving each catalog, or `false, err`
-- @errors as @{Catalogs:list}.
-- @raise on an unknown option.
-- @route `GET /2.N/catalogs/list`, once per page
-- @usage
-- for c, err in client.catalogs:each{} do
--   if not c then error(tostring(err)) end
--   print(c.name)
-- end
function Catalogs:each(opts) end

--- Adds, updates or removes items of a catalog by id (at most 200 a call; Batch also counts 1000
-- items a second; a catalog holds up to 2 million items).
-- @tparam string name the catalog's name
-- @tparam table items an array of `{ id = "...", action = "add", attributes = {...} }`
-- @tparam[opt] table opts `{ deadline = s, timeout = s }`
-- @treturn table `{ indexing_token = ... }` (follow it with @{Catalogs:view})
-- @treturn[2] nil
-- @treturn[2] Error the error
-- @errors `INVALID_ARGUMENT` (a bad name, no item, more than 200, an item without an `id`),
-- `ROUTE_NOT_FOUND`, `TOO_MANY_REQUESTS`, `MALFORMED_PARAMETER`, and the common errors.
-- @raise when `name` is neither a string nor nil, `items` or an item not a table.
-- @route `POST /2.N/catalogs/items/edit`:
-- [Batch's page](https://doc.batch.com/developer/api/cep/catalogs/edit-items), batch-api.md §13
-- @usage
-- local res = assert(client.catalogs:edit_items("products", {
--   { id = "sku-42", action = "add", attributes = { price = 3.99, title = "Pumpkin" } } }))
-- print(res.indexing_token)
function Catalogs:edit_items(name, items, opts) end

-------------------------------------------------------------------------------------------------------
--- What `on_event` (an option of @{batch.new}) is called with: one plain table per step of a call, its
-- `type` saying which. URLs and headers are shown as they may be logged: the API key in a URL is `***`,
-- the credential headers (`X-Authorization`, `Authorization`, `X-Batch-Project`) are `***`, and a key
-- found in a response header is replaced by `***`.
--
-- * `"request"`, before each attempt: `method`, `url`, `attempt`, `headers` (the request's);
-- * `"response"`, after each attempt at an API route: `method`, `url`, `attempt`, `elapsed`, and
--   `status`, `bytes`, `headers`, `request_id` when an answer came, or `error` (the name of the
--   failure: `TIMEOUT`, `NETWORK_ERROR`...) when none did;
-- * `"retry"`, before the wait that precedes another attempt: `method`, `url`, `attempt` (the one that
--   failed), `delay`, `error` (the name of the error retried) and `status` (when an answer came);
-- * `"poll"`, after each poll of a wait (@{Exports:wait}, @{ProjectExports:wait}) that is not done:
--   `attempt` (the poll's number), `elapsed`, `status` (the export's), `error` (a retryable failure's
--   name);
-- * `"download"`, after each attempt at a file from storage (its signed link, shown without the
--   query): the fields of `"response"`.
-- @type Event
-- @usage
-- local client = batch.new{ on_event = function(ev)
--   if ev.type == "response" then
--     print(ev.method, ev.url, ev.status or ev.error, ("%.3f s"):format(ev.elapsed))
--   elseif ev.type == "retry" then
--     print("retrying in " .. ev.delay .. " s after " .. (ev.error or ev.status))
--   end
-- end }
local Event = {}

--- `"request"`, `"response"`, `"retry"`, `"poll"` or `"download"`.
Event.type = ""
--- The request's method (`GET`, `POST`...); not in `poll`.
Event.method = ""
--- The request's URL (API key as `***`; a signed link without its query); not in `poll`.
Event.url = ""
--- The attempt's number, from 1 (in `poll`, the poll's number).
Event.attempt = 0
--- `request`: the request's headers (credentials as `***`); `response` and `download`: the answer's
-- headers (lower-case names; keys redacted), when the transport kept them (the `"curl"` transport
-- leaves them out of successful reads it decodes itself).
Event.headers = {}
--- `response`, `download`, `retry`: the HTTP status of the answer, when one came; `poll`: the export's
-- status (`PENDING`...).
Event.status = 0
--- `response`, `download`: the name of the failure when no answer came (`TIMEOUT`, `NETWORK_ERROR`,
-- `TLS_ERROR`...); `retry`: the name of the error being retried (`TOO_MANY_REQUESTS`...); `poll`: the
-- name of the retryable error that poll got.
Event.error = ""
--- `response`, `download`: seconds the attempt took; `poll`: seconds since the wait began.
Event.elapsed = 0
--- `response`, `download`: the bytes of the answer's body.
Event.bytes = 0
--- `response`, `download`: the answer's `X-Request-Id` (or `X-Batch-Request-Id`) header, when it has one.
Event.request_id = ""
--- `retry`: seconds about to be waited before the next attempt.
Event.delay = 0

-------------------------------------------------------------------------------------------------------
--- The error every call returns as its second value: a plain table with the metatable `batch.Error`
-- (@{batch.is_error} tells it from a result). `tostring(err)` gives one line, whatever a server put in
-- its message: `NAME (HTTP s, code c): message [METHOD /path]`.
--
-- The name says what went wrong. Batch's own, from the code of the answer's body (`code` on 1.x,
-- `error_code` on 2.x), from the status when the body has none:
--
-- * `AUTHENTICATION_INVALID` (401, code 10): the API key or REST key was refused;
-- * `API_MISUSE` (403, 12): this key may not do this (a DEV API key on a read that needs a LIVE one);
-- * `ROUTE_NOT_FOUND` (404, 20): no such route or object (campaign, export, audience...);
-- * `MISSING_PARAMETER` (400, 30), `MALFORMED_PARAMETER` (400, 31), `MALFORMED_JSON_BODY` (400, 32):
--   Batch refused what was sent;
-- * `SERVER_ERROR` (500, code 0 or 1), `MAINTENANCE_ERROR` (503, 2): Batch failed; retryable;
-- * `TOO_MANY_REQUESTS` (429, 60): over Batch's rate; retryable, after at least 5 s.
--
-- The client's own:
--
-- * `HTTP_ERROR`: any other status (a 400 without a code, storage refusing a signed link...);
-- * `INVALID_ARGUMENT`: a value Batch documents as invalid, or a download asked for an export that is
--   not finished; nothing was sent. Inside nginx, also a call made in a phase that cannot yield
--   (`init_worker_by_lua*`, `log_by_lua*`...: the message names the phases that work);
-- * `TIMEOUT`: an attempt took longer than `timeout`, or the call's `deadline` passed (before anything
--   was sent: `err.sent == false`);
-- * `NETWORK_ERROR`: the host could not be resolved or reached, the connection was cut;
-- * `TLS_ERROR`: the TLS handshake or the certificate check failed;
-- * `RESPONSE_TOO_LARGE`: an answer's body is over `max_body`;
-- * `INVALID_RESPONSE`: a 2xx answer to a read whose body is not JSON or not of the shape the route
--   returns; a redirect without a usable `Location`; a malformed CSV or JSON record;
-- * `EXPORT_FAILED`, `EXPORT_EXPIRED`: a waited export ended in `ERROR` or `EXPIRED` (`err.export`);
-- * `WAIT_TIMEOUT`: a wait's `timeout` passed (`err.info`);
-- * `CANCELLED`: `on_poll` or `on_progress` returned `false`;
-- * `IO_ERROR`: a download could not be written or put in place;
-- * `QUEUE_FULL`: a @{Queue} add past `max_pending` (`err.retryable` is true: try again once some are
--   sent);
-- * `QUEUE_CLOSED`: items a @{Queue:close} gave up on at its deadline, or an add in an exiting nginx
--   worker;
-- * `PARTIAL_ERROR`: items Batch refused in a batch it otherwise applied (a @{Queue}'s `on_drop`);
--   `err.errors` holds copies of Batch's entries `{ bulk_index, category, reason, attribute }` for
--   them, each with `items`: the places, in the array `on_drop` is given, of the items it names.
--
-- **The common errors**, that any call may give: `TIMEOUT`, `NETWORK_ERROR`, `TLS_ERROR`,
-- `RESPONSE_TOO_LARGE`, `AUTHENTICATION_INVALID`, `API_MISUSE`, `TOO_MANY_REQUESTS`, `SERVER_ERROR`,
-- `MAINTENANCE_ERROR` and `HTTP_ERROR`. Each method names the others it gives.
--
-- Keys never appear in errors: the API key in `url` is `***`, and a key a server echoes in a message,
-- body or header is replaced too; `err.export` and `err.info` are redacted copies.
-- @type Error
-- @usage
-- local c, err = client.campaigns:get(token)
-- if not c then
--   if err.name == "ROUTE_NOT_FOUND" then print("no such campaign")
--   elseif err.retryable then print("try again later", err.retry_after)
--   else error(tostring(err)) end
-- end
local Error = {}

--- The name (like `"ROUTE_NOT_FOUND"`): see above.
Error.name = ""
--- Batch's numeric code (like 20), or nil.
Error.code = 0
--- A 2.x `error_code` that is not one of Batch's names above (the name then comes from the status), or
-- nil.
Error.batch_code = ""
--- The HTTP status of the answer, or nil when none came.
Error.status = 0
--- What went wrong, in words: Batch's message when it gave one (at most 1 KiB), else the client's.
Error.message = ""
--- Whether the same call may work if tried again later (429, 5xx, timeouts, network errors; for a
-- write, only when it never reached Batch or on 429/503).
Error.retryable = false
--- Seconds Batch asked to wait (its `Retry-After`), or nil.
Error.retry_after = 0
--- The method of the failed request.
Error.method = ""
--- The URL of the failed request (API key as `***`; a signed link without its query).
Error.url = ""
--- The answer's body as it came (keys redacted), at most 4 KiB, or nil.
Error.body = ""
--- The answer's headers (lower-case names; keys redacted), for an error answered by the API, or nil.
Error.headers = {}
--- How many attempts were made.
Error.attempts = 0
--- `false` when the request surely never reached the server (no connection could be made, the deadline
-- passed first, `INVALID_ARGUMENT`), `true` when it may have; nil when an answer came.
Error.sent = false
--- For a transfer failure of the `"curl"` transport: libcurl's error number (`CURLcode`), or nil.
Error.curl_code = 0
--- `EXPORT_FAILED`, `EXPORT_EXPIRED`, and `INVALID_ARGUMENT` or `INVALID_RESPONSE` about an export: the
-- export's info or view (redacted).
Error.export = {}
--- `WAIT_TIMEOUT` and `CANCELLED` of a wait: the last info `check` gave (redacted).
Error.info = {}
--- `PARTIAL_ERROR`: Batch's entries for the items it refused (copies, each with `items`, the places of
-- its items in what `on_drop` is given); nil for every other name.
Error.errors = {}

return batch
