"""The sales app's pages, one module per area; each lists its `urlpatterns` and `NAVIGATION`
(sections registered in `SalesConfig.ready`)."""
