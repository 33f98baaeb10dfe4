"""Go-live import of a whole agency: the Tandem template's every sheet (employees, clients,
contacts, contracts with lines, open invoices, payments received, interactions).

Clients and contacts are planned and written by `tandem.clients.importing` (the app that owns
them); this package sits above contracts, billing and comms and adds their sheets, in one
transaction and one report. Entry points: `tandem.imports.services`.
"""
