# The ledger's image for the production shape (docker-compose.yml). One image, several processes:
# `ledger serve`, `ledger relay`, `ledger project`, … chosen by the container's command.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY projections projections
COPY consumers consumers
COPY gateway gateway
COPY infra infra
RUN pip install --no-cache-dir . && useradd --system ledger
USER ledger
ENV LEDGER_DATA_DIR=/var/lib/ledger
EXPOSE 8000
CMD ["ledger", "serve", "--host", "0.0.0.0", "--port", "8000"]
