-- `batch custom-audience ...`: the Custom Audience API, per app (../shared/batch-api.md §10.2). --version
-- picks the API: 1.1 (install ids, the default) or 1.0 (custom user ids and advertising ids).
local input = require "batch.cli.input"
local results = require "batch.cli.results"
local batches = require "batch.cli.batches"

local ipairs = ipairs

local MAX_IDS = 10000  -- ids per call
local COLUMNS = { "name", "type", "description", "nb_ids", "created", "updated" }
local VERSION_HELP = "--version 1.1 (the default) takes install ids, --version 1.0 custom user ids and " ..
                     "advertising ids."

local function opts_of(o, extra)
  extra = extra or {}
  extra.version = o.version
  return extra
end

-- Every audience, page by page (--limit: the page size).
local function each(ctx, o)
  return results.iter(ctx, ctx.out:list{ first = COLUMNS }, nil,
                      ctx:client().custom_audiences:each{ page_size = o.limit, version = o.version })
end

return {
  {
    name = "custom-audience create", args = { "NAME" }, keys = "1",
    flags = { type = "string", description = "string", version = "string" },
    usage = "custom-audience create NAME [--type custom_ids|advertising_ids] [--description TEXT] [--version 1.1|1.0]",
    summary = "create a custom audience",
    help = [[
NAME: letters, digits, '_' and '-', at most 255, case-sensitive. --type is what its ids are: 1.0 needs
it (custom_ids or advertising_ids); 1.1 audiences hold install ids. ]] .. VERSION_HELP .. [[

Prints Batch's answer with {"name", "ok": true}.]],
    examples = {
      "batch custom-audience create vip --description 'Our best users'",
      "batch custom-audience create vip_customers --version 1.0 --type custom_ids",
    },
    run = function(ctx, w, o)
      return results.written(ctx, { name = w[1] }, ctx:client().custom_audiences:create(w[1],
        opts_of(o, { type = o.type, description = o.description })))
    end,
  },
  {
    name = "custom-audience update", args = { "NAME", "ID..." }, keys = "1",
    flags = { remove = "switch", version = "string" },
    usage = "custom-audience update NAME ID...|- [--remove] [--version 1.1|1.0]",
    summary = "add ids to a custom audience (or remove them with --remove)",
    help = [[
The ids are arguments, or - for stdin (one per line); sent 10 000 a call, each call printing one line
{"ids": N, "name", "ok": true, ...}. ]] .. VERSION_HELP,
    examples = {
      "batch custom-audience update vip 8c4e1d2a-5b1e-4c7d-9a3f-000000000001 8c4e1d2a-5b1e-4c7d-9a3f-000000000002",
      "printf 'user-1\\nuser-2\\n' | batch custom-audience update vip_customers - --version 1.0",
      "batch custom-audience update vip 8c4e1d2a-5b1e-4c7d-9a3f-000000000002 --remove",
    },
    run = function(ctx, w, o)
      local name = w[1]
      local ids = input.id_lines(w, ctx.fail, "ID", 2)
      local action = o.remove and "remove" or "add"
      local ca = ctx:client().custom_audiences
      return batches.ids(ctx, ids, MAX_IDS, function(batch)
        local entries = {}
        for i, id in ipairs(batch) do entries[i] = { action = action, id = id } end
        return ca:update(name, entries, opts_of(o))
      end, { name = name })
    end,
  },
  {
    name = "custom-audience replace", args = { "NAME", "ID..." }, keys = "1", flags = { version = "string" },
    usage = "custom-audience replace NAME ID...|- [--version 1.1|1.0]",
    summary = "replace the ids of a custom audience (at most 10 000)",
    help = "Removes every id the audience holds and adds these (arguments, or - for stdin, one per line), in " ..
           "one call.\n" .. VERSION_HELP .. " Prints Batch's answer with {\"name\", \"ok\": true}.",
    examples = { "printf '8c4e1d2a-5b1e-4c7d-9a3f-000000000003\\n' | batch custom-audience replace vip -" },
    run = function(ctx, w, o)
      local ids = input.id_lines(w, ctx.fail, "ID", 2)
      return results.written(ctx, { name = w[1] }, ctx:client().custom_audiences:replace(w[1], ids, opts_of(o)))
    end,
  },
  {
    name = "custom-audience delete", args = { "NAME" }, keys = "1", flags = { version = "string" },
    usage = "custom-audience delete NAME [--version 1.1|1.0]",
    summary = "delete a custom audience",
    help = "A campaign still targeting it then targets an empty audience. Prints {\"name\", \"ok\": true}.",
    examples = { "batch custom-audience delete vip_customers --version 1.0" },
    run = function(ctx, w, o)
      return results.written(ctx, { name = w[1] }, ctx:client().custom_audiences:delete(w[1], opts_of(o)))
    end,
  },
  {
    name = "custom-audience list", keys = "1",
    flags = { from = "int", limit = "int", all = "switch", version = "string" },
    usage = "custom-audience list [--from N] [--limit N] [--all] [--version 1.1|1.0]",
    summary = "list the app's custom audiences",
    help = [[
One page: --from is the offset (newest first, default 0), --limit the page size (1 to 100, default 10).
--all lists every audience, page by page (as `batch custom-audience each`).]],
    examples = { "batch custom-audience list --limit 5 --field name --field nb_ids" },
    run = function(ctx, _, o)
      if o.all then
        if o.from then ctx.fail("--all and --from cannot go together") end
        return each(ctx, o)
      end
      local page, err = ctx:client().custom_audiences:list{ from = o.from, limit = o.limit, version = o.version }
      if not page then return nil, err end
      return results.list(ctx, page.custom_audiences, { first = COLUMNS })
    end,
  },
  {
    name = "custom-audience each", keys = "1", flags = { limit = "int", version = "string" },
    usage = "custom-audience each [--limit N] [--version 1.1|1.0]",
    summary = "list every custom audience of the app, page by page",
    help = "--limit is the page size (1 to 100, default 100). The same as `batch custom-audience list --all`.",
    examples = { "batch custom-audience each --csv > custom-audiences.csv" },
    run = function(ctx, _, o) return each(ctx, o) end,
  },
}
