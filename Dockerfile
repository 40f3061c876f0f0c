# Production image: the official Airflow image plus this project (the vnreports package,
# the DAGs, plugins and the dbt project). Used by every Airflow service in docker-compose.yml.
#
# The Airflow version in the FROM line must equal the apache-airflow pin in pyproject.toml
# and constraints.txt; its Python is the newest the project supports, the one `make setup` picks
# first (Makefile's SUPPORTED_PYTHONS). tests/test_deployment.py checks both.
FROM apache/airflow:3.3.2-python3.13

# The repository layout is mirrored under AIRFLOW_HOME (/opt/airflow): dags/, plugins/,
# include/, dbt_project/ sit where they sit in the repo, so paths the package derives from
# the project root (vnreports.config.PROJECT_ROOT) hold inside the container too.
WORKDIR /opt/airflow

# OCR of scanned reports (vnreports.parsing.ocr): Tesseract and its Vietnamese model, from Debian.
# gcc compiles the PDF parser's C helper at the install below (setup.py; without it the parser
# runs the same loop in Python, slower).
# Word 97-2003 (.doc) reports are read after LibreOffice converts them (vnreports.parsing.office):
# about 300 MB more, so only with `docker compose build --build-arg WITH_LIBREOFFICE=true`.
ARG WITH_LIBREOFFICE=false
USER root
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-vie gcc libc6-dev \
       $([ "$WITH_LIBREOFFICE" = "true" ] && echo libreoffice-writer-nogui) \
    && apt-get clean && rm -rf /var/lib/apt/lists/*
USER airflow

# Dependencies first (this layer is rebuilt only when the pins change) ...
COPY --chown=airflow:0 pyproject.toml setup.py constraints.txt ./
COPY --chown=airflow:0 include/ ./include/
# ... then install the project with the full lock as constraints (the base image already
# runs as the airflow user, into its ~/.local virtualenv; pip refuses to run as root there).
# Editable: the package is the copied tree (see PYTHONPATH below), and the parser's C helper
# is compiled into it.
RUN pip install --no-cache-dir -c constraints.txt -e . \
    && rm -rf build include/*.egg-info

COPY --chown=airflow:0 dags/ ./dags/
COPY --chown=airflow:0 plugins/ ./plugins/
COPY --chown=airflow:0 dbt_project/ ./dbt_project/

# Import vnreports from the copied tree rather than site-packages, so that
# vnreports.config.PROJECT_ROOT is /opt/airflow, as it is the repository root in development.
ENV PYTHONPATH=/opt/airflow/include \
    DBT_PROJECT_DIR=/opt/airflow/dbt_project \
    REPORTS_INBOX=/opt/airflow/inbox \
    VNREPORTS_LOCAL_DIR=/opt/airflow/local

# The dbt manifest the DAG renders one task per dbt model and seed from (astronomer-cosmos), made
# at build time so no DAG parse has to run `dbt parse` (dbt_project/target/, never in git).
RUN python -c "from vnreports.transform import dbt_manifest_path; print(dbt_manifest_path())"

# Mount points of the compose volumes, created here so that new named volumes start out
# owned by the airflow user (Docker copies the image directory's ownership into them).
RUN mkdir -p /opt/airflow/inbox /opt/airflow/local /opt/airflow/logs

# Fail the build, not the first DAG run, if the install moved Airflow off the base image's
# version (AIRFLOW_VERSION is set by the base image), the package data is not importable, the
# Celery app the workers and their healthcheck load (docker-compose.yml) does not import with the
# locked celery (apache-airflow-providers-celery is a pinned dependency of this package), or the
# FAB auth manager (AIRFLOW__CORE__AUTH_MANAGER) and the OAuth client it signs people in with do
# not import with the locked Flask-AppBuilder and authlib.
RUN python -c "import os; from importlib.metadata import version; \
assert version('apache-airflow') == os.environ['AIRFLOW_VERSION'], version('apache-airflow')" \
    && python -c "import vnreports.db; vnreports.db.warehouse_ddl()" \
    && python -c "from airflow.providers.celery.executors.celery_executor import app; print(app)" \
    && python -c "from airflow.providers.fab.auth_manager.fab_auth_manager import FabAuthManager; \
import authlib.integrations.flask_client, vnreports.airflow_users"
