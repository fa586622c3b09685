"""`python -m services.billing`"""

from services.billing.config import BillingSettings
from services.billing.main import SERVICE, create_app
from shared.runner import load_or_exit, serve

if __name__ == "__main__":
    settings = load_or_exit(SERVICE, BillingSettings.load)
    serve(SERVICE, app=create_app(settings), http=settings.http, logs=settings.logs)
