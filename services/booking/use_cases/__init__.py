"""The customer side of a tenant's bot, without aiogram: each module one part of the talk.

`customers` (who they are), `about`, `choice` (service, master, day, time), `calendar`,
`booking` (confirming), `manage` («Мои записи»: cancel, move), `visits` (reminder answers,
reviews), `events` (what goes on the bus). They need only `ports.Scope`.
"""
