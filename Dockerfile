# syntax=docker/dockerfile:1
# Two stages: pdqhash 0.2.8 has no Linux wheel for Python 3.11 and compiles from source, and the
# slim image has no compiler. The builder turns every locked dependency into a wheel; the runtime
# stage installs those wheels without a network or a compiler. tests/test_image.py runs the pip
# steps of both stages on the test machine. The licence travels inside the wheel's metadata.
FROM python:3.11-slim AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml requirements.lock README.md LICENSE ./
COPY hashing hashing
COPY casework casework
COPY service service
COPY workers workers
RUN pip wheel --no-cache-dir --wheel-dir /wheels -c requirements.lock '.[service]'

FROM python:3.11-slim
# The wheels are mounted for this step only, so no layer of the image keeps a second copy.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels 'takedown[service]' \
    && useradd --system --create-home --uid 10001 takedown
USER takedown
WORKDIR /home/takedown
EXPOSE 8000
CMD ["takedown", "api", "--host", "0.0.0.0", "--port", "8000"]
