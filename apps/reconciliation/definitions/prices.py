"""Prices (ERP contract prices against storefront): not built yet; nothing is registered."""
