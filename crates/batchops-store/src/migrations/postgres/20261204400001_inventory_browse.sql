-- The console's inventory: pages of items by keyset in each sort order (the SKU's own unique index
-- serves the SKU order), and an item's aliases and movements by item.
CREATE INDEX IF NOT EXISTS inventory_items_name ON inventory_items (name, id);
CREATE INDEX IF NOT EXISTS inventory_items_stock ON inventory_items (quantity, id);
CREATE INDEX IF NOT EXISTS inventory_items_moved ON inventory_items (updated_at, id);
CREATE INDEX IF NOT EXISTS item_aliases_item ON item_aliases (item_id);
CREATE INDEX IF NOT EXISTS transactions_item ON transactions (item_id, id);
