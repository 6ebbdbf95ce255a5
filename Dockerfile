FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY hashing hashing
COPY casework casework
COPY service service
COPY workers workers
RUN pip install --no-cache-dir -c requirements.lock '.[service]' \
    && useradd --system --uid 10001 takedown
USER takedown
EXPOSE 8000
CMD ["takedown", "api", "--host", "0.0.0.0", "--port", "8000"]
