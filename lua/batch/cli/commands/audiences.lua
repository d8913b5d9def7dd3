-- `batch audiences ...`: the Audience API 2.x, audiences of a project's profiles by custom ID
-- (../shared/batch-api.md §10.1).
local input = require "batch.cli.input"
local results = require "batch.cli.results"
local batches = require "batch.cli.batches"

local ipairs = ipairs

local MAX_IDS = 10000  -- ids per call
local COLUMNS = { "name", "display_name", "type", "nb_ids", "indexing_state", "created", "updated" }

return {
  {
    name = "audiences create", args = { "NAME" }, keys = "2",
    flags = { type = "string", ["display-name"] = "string" },
    usage = "audiences create NAME [--type custom_ids] [--display-name TEXT]",
    summary = "create an audience; prints its indexing_token",
    help = [[
NAME: letters, digits, '_' and '-', at most 255, case-sensitive. --type is what its ids are (default
custom_ids, the one Batch documents). Prints {"indexing_token", "name", "ok": true}.]],
    examples = { "batch audiences create newsletter --display-name 'Newsletter readers'" },
    run = function(ctx, w, o)
      return results.written(ctx, { name = w[1] }, ctx:client().audiences:create{
        name = w[1], type = o.type or "custom_ids", display_name = o["display-name"] })
    end,
  },
  {
    name = "audiences update", args = { "NAME", "CUSTOM_ID..." }, keys = "2", flags = { remove = "switch" },
    usage = "audiences update NAME CUSTOM_ID...|- [--remove]",
    summary = "add custom IDs to an audience (or remove them with --remove)",
    help = [[
The custom IDs are arguments, or - for stdin (one per line); sent 10 000 a call, each call printing one
line {"ids": N, "indexing_token", "name", "ok": true} (`batch audiences view NAME --indexing-token T`
tells when it is applied).]],
    examples = {
      "batch audiences update newsletter user-1 user-2",
      "printf 'user-2\\n' | batch audiences update newsletter - --remove --field indexing_token",
    },
    run = function(ctx, w, o)
      local name, action = w[1], o.remove and "remove" or "add"
      local ids = input.id_lines(w, ctx.fail, "CUSTOM_ID", 2)
      local audiences = ctx:client().audiences
      return batches.ids(ctx, ids, MAX_IDS, function(batch)
        local entries = {}
        for i, id in ipairs(batch) do entries[i] = { action = action, id = id } end
        return audiences:update(name, entries)
      end, { name = name })
    end,
  },
  {
    name = "audiences replace", args = { "NAME", "CUSTOM_ID..." }, keys = "2",
    usage = "audiences replace NAME CUSTOM_ID...|-",
    summary = "replace the custom IDs of an audience (at most 10 000)",
    help = [[
Removes every custom ID the audience holds and adds these (arguments, or - for stdin, one per line), in
one call. Prints {"indexing_token", "name", "ok": true}.]],
    examples = { "printf 'user-3\\nuser-4\\n' | batch audiences replace newsletter -" },
    run = function(ctx, w)
      local ids = input.id_lines(w, ctx.fail, "CUSTOM_ID", 2)
      return results.written(ctx, { name = w[1] }, ctx:client().audiences:replace(w[1], ids))
    end,
  },
  {
    name = "audiences view", args = { "NAME" }, keys = "2", flags = { ["indexing-token"] = "string" },
    usage = "audiences view NAME [--indexing-token T]",
    summary = "show an audience (nb_ids, indexing_state, ...)",
    help = [[
With --indexing-token (from create, update or replace), indexing_state says where that change is:
IN_PROGRESS, APPLIED, or REPLACED (a later replace came); without it, the last change's.]],
    examples = { "batch audiences view newsletter --field nb_ids --field indexing_state" },
    run = function(ctx, w, o)
      return results.value(ctx, ctx:client().audiences:view(w[1], { indexing_token = o["indexing-token"] }))
    end,
  },
  {
    name = "audiences list", keys = "2", flags = results.CURSOR_FLAGS,
    usage = "audiences list [--from CURSOR] [--limit N] [--all]",
    summary = "list the project's audiences",
    help = results.cursor_help("audience"),
    examples = { "batch audiences list --all --field name --field nb_ids" },
    run = function(ctx, _, o)
      return results.cursor_list(ctx, o, ctx:client().audiences, "audiences", COLUMNS, "audiences list")
    end,
  },
  {
    name = "audiences remove", args = { "NAME" }, keys = "2",
    usage = "audiences remove NAME",
    summary = "remove an audience",
    help = "A campaign still targeting it then targets an empty audience. Prints {\"name\", \"ok\": true, ...}.",
    examples = { "batch audiences remove newsletter" },
    run = function(ctx, w)
      return results.written(ctx, { name = w[1] }, ctx:client().audiences:remove(w[1]))
    end,
  },
}
