"""Inventory (WMS against storefront): not built yet; nothing is registered here."""
