--- The queue's part of the API reference: `Client:queue` and the @{Queue} type. LDoc stubs only, never
-- loaded (the code is in `lua/batch/queue/`), written to be merged into `docs/api.lua`: the
-- `Client:queue` entry after `Client:api`, the @{Queue} section after @{ProjectExports}, and the three
-- error names into @{Error}'s list.
-- luacheck: ignore 212 241

local Client = {}

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
--   `PARTIAL_ERROR` (with `err.errors`, Batch's entries naming them), `INVALID_ARGUMENT` (an event
--   older than 24 hours by the time its batch went), `QUEUE_CLOSED` (close's deadline passed first).
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
-- @usage
-- local report = q:close{ deadline = 60 }
-- io.stderr:write(("%d sent, %d dropped\n"):format(report.sent, report.dropped))
function Queue:close(opts) end

--- The queue's counts since it was made (for progress: call it after adds, or from `on_flush`).
-- @treturn table `{ pending, sent, failed, dropped, batches, retries, accepted, recovered }`: items
-- pending, sent, of failed calls (counted again at each failure), dropped; calls made, calls that resent
-- a batch; items accepted by adds; items taken over from a dead process's spool
-- @errors none.
-- @usage
-- local s = q:stats()
-- print(("%d/%d sent, %d dropped"):format(s.sent, s.accepted + s.recovered, s.dropped))
function Queue:stats() end

-- For @{Error}'s list of names: the queue's `QUEUE_FULL` (an add past `max_pending`: `err.retryable` is
-- true), `QUEUE_CLOSED` (given up at close's deadline, or an add in an exiting nginx worker) and
-- `PARTIAL_ERROR` (items Batch refused in a batch it otherwise applied; `err.errors` holds Batch's
-- entries `{ bulk_index, category, reason, attribute }` for them).

return Queue
