"""`python -m services.booking`"""

from services.booking.config import BookingSettings
from services.booking.main import create_app
from services.booking.subscribers import SERVICE
from shared.runner import load_or_exit, serve

if __name__ == "__main__":
    settings = load_or_exit(SERVICE, BookingSettings.load)
    serve(SERVICE, app=create_app(settings), http=settings.http, logs=settings.logs)
