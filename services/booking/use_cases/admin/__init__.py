"""The owner's and staff's side of a tenant bot: bookings of the day, services, masters,
schedules, staff and settings. Pure logic over `ports.AdminStore`; no aiogram here.

Every use case takes the acting `Staff` member and checks the role itself (`access`), so a
crafted button is refused here whatever the bot layer did.
"""
