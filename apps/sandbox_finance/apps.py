from django.apps import AppConfig


class SandboxFinanceConfig(AppConfig):
    name = "apps.sandbox_finance"
    label = "sandbox_finance"
    verbose_name = "Sandbox payment gateway and finance ledger"
