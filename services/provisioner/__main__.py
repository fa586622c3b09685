"""`python -m services.provisioner`"""

from services.provisioner.config import ProvisionerSettings
from services.provisioner.main import create_app
from services.provisioner.subscribers import SERVICE
from shared.runner import load_or_exit, serve

if __name__ == "__main__":
    settings = load_or_exit(SERVICE, ProvisionerSettings.load)
    serve(SERVICE, app=create_app(settings), http=settings.http, logs=settings.logs)
