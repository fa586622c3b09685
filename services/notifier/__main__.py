"""`python -m services.notifier`"""

from services.notifier.config import NotifierSettings
from services.notifier.main import create_app
from services.notifier.subscribers import SERVICE
from shared.runner import load_or_exit, serve

if __name__ == "__main__":
    settings = load_or_exit(SERVICE, NotifierSettings.load)
    serve(SERVICE, app=create_app(settings), http=settings.http, logs=settings.logs)
