-- `batch catalogs ...`: the Catalogs API 2.x, a project's catalogs of items (../shared/batch-api.md §13).
local input = require "batch.cli.input"
local results = require "batch.cli.results"
local batches = require "batch.cli.batches"

local ipairs, type = ipairs, type
local match = string.match

local MAX_ITEMS = 200  -- items per items/edit call
local COLUMNS = { "name", "fields", "items", "size", "indexing_state", "created", "updated" }
local FIELD_HELP = "Field names: 1 to 250 characters of a-z, 0-9 and _; types: array, bool, date, float, " ..
                   "integer, string, url."

-- The fields of --fields/--add ("price:float,title:string"), each { name, type } (with `action` when
-- given); --remove's ("title") take no type.
local function fields_of(list, fail, option, action)
  local out = {}
  for _, spec in ipairs(list or {}) do
    local name, kind = match(spec, "^([^:]+):(.+)$")
    if action == "remove" then
      name = match(spec, "^([^:]+)")
    elseif not name then
      fail("--" .. option .. " " .. spec .. ": expected NAME:TYPE (price:float)")
    end
    out[#out + 1] = { action = action, name = name, type = kind }
  end
  return out
end

return {
  {
    name = "catalogs create", args = { "NAME" }, keys = "2", flags = { fields = "list", data = "string" },
    usage = "catalogs create NAME --fields NAME:TYPE,... | --data @FIELDS.json|-",
    summary = "create a catalog with its fields",
    help = [[
--fields lists the fields as NAME:TYPE,... (title:string,price:float); --data @FILE.json (or - for
stdin, or the JSON itself) gives them as a JSON array [{"name": "price", "type": "float"}, ...].
]] .. FIELD_HELP .. " At most 25 fields, and 5 catalogs a project. Prints {\"name\", \"ok\": true}.",
    examples = { "batch catalogs create products --fields title:string,price:float,in_stock:bool" },
    run = function(ctx, w, o)
      if o.fields and o.data then ctx.fail("--fields and --data cannot go together") end
      if not o.fields and not o.data then ctx.fail("give the fields: --fields NAME:TYPE,... or --data") end
      local fields = o.data and input.data_json(o.data, ctx.fail, "array") or fields_of(o.fields, ctx.fail, "fields")
      return results.written(ctx, { name = w[1] }, ctx:client().catalogs:create{ name = w[1], fields = fields })
    end,
  },
  {
    name = "catalogs update", args = { "NAME" }, keys = "2",
    flags = { add = "list", remove = "list", data = "string" },
    usage = "catalogs update NAME [--add NAME:TYPE,...] [--remove NAME,...] | --data @FIELDS.json|-",
    summary = "add fields to a catalog or remove some",
    help = [[
--add NAME:TYPE,... adds fields, --remove NAME,... removes fields; --data gives the changes as a JSON
array [{"action": "add", "name": "color", "type": "string"}, {"action": "remove", "name": "size"}].
]] .. FIELD_HELP .. " Prints {\"name\", \"ok\": true}.",
    examples = { "batch catalogs update products --add color:string --remove in_stock" },
    run = function(ctx, w, o)
      local fields
      if o.data then
        if o.add or o.remove then ctx.fail("--data cannot go with --add or --remove") end
        fields = input.data_json(o.data, ctx.fail, "array")
      else
        if not o.add and not o.remove then ctx.fail("give --add NAME:TYPE,... and/or --remove NAME,...") end
        fields = fields_of(o.add, ctx.fail, "add", "add")
        for _, f in ipairs(fields_of(o.remove, ctx.fail, "remove", "remove")) do fields[#fields + 1] = f end
      end
      return results.written(ctx, { name = w[1] }, ctx:client().catalogs:update(w[1], fields))
    end,
  },
  {
    name = "catalogs edit-items", args = { "NAME" }, keys = "2", flags = { data = "string", action = "string" },
    usage = "catalogs edit-items NAME --data @ITEMS.jsonl|- [--action add|update|remove]",
    summary = "add, update or remove catalog items from JSON Lines",
    help = [[
--data @ITEMS.jsonl (or - for stdin): one item per line, {"id": ..., "action": "add", "attributes":
{"title": ..., "price": ...}}; --action gives the action of the lines that have none. Sent in calls of
200 items, in order. Prints {"items", "batches", "indexing_tokens"} (one token a call: `batch catalogs
view NAME --indexing-token T` tells when it is applied). When a call fails, stderr says which lines
Batch accepted and from which line on nothing was sent.]],
    examples = { "batch catalogs edit-items products --data @items.jsonl --action add" },
    run = function(ctx, w, o)
      if not o.data then ctx.fail("--data is required: @FILE.jsonl, or - for stdin") end
      local catalogs, tokens = ctx:client().catalogs, {}
      local b = batches.new(ctx, {
        max = MAX_ITEMS,
        send = function(items) return catalogs:edit_items(w[1], items) end,
        on_answer = function(answer)
          if type(answer) == "table" and answer.indexing_token then tokens[#tokens + 1] = answer.indexing_token end
        end,
      })
      local ok, err = b:send_all(function(item)
        if item.action == nil then item.action = o.action end
        return item
      end, input.json_lines(o.data, ctx.fail))
      if not ok then return nil, err end
      return results.value(ctx, { items = b.accepted, batches = b.batches, indexing_tokens = tokens })
    end,
  },
  {
    name = "catalogs view", args = { "NAME" }, keys = "2", flags = { ["indexing-token"] = "string" },
    usage = "catalogs view NAME [--indexing-token T]",
    summary = "show a catalog (fields, items, size, indexing_state)",
    help = "With --indexing-token (from edit-items), indexing_state says where that change is.",
    examples = { "batch catalogs view products --field items --field indexing_state" },
    run = function(ctx, w, o)
      return results.value(ctx, ctx:client().catalogs:view(w[1], { indexing_token = o["indexing-token"] }))
    end,
  },
  {
    name = "catalogs list", keys = "2", flags = results.CURSOR_FLAGS,
    usage = "catalogs list [--from CURSOR] [--limit N] [--all]",
    summary = "list the project's catalogs",
    help = results.cursor_help("catalog"),
    examples = { "batch catalogs list --field name --field items" },
    run = function(ctx, _, o)
      return results.cursor_list(ctx, o, ctx:client().catalogs, "catalogs", COLUMNS, "catalogs list")
    end,
  },
  {
    name = "catalogs remove", args = { "NAME" }, keys = "2",
    usage = "catalogs remove NAME",
    summary = "remove a catalog and its items",
    help = "Prints {\"name\", \"ok\": true}.",
    examples = { "batch catalogs remove products" },
    run = function(ctx, w)
      return results.written(ctx, { name = w[1] }, ctx:client().catalogs:remove(w[1]))
    end,
  },
}
