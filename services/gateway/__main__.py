"""`python -m services.gateway`"""

from services.gateway.config import GatewaySettings
from services.gateway.main import SERVICE, create_app
from shared.runner import load_or_exit, serve

if __name__ == "__main__":
    settings = load_or_exit(SERVICE, GatewaySettings.load)
    serve(SERVICE, app=create_app(settings), http=settings.http, logs=settings.logs)
