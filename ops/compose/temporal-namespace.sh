#!/bin/sh
# docker-compose.yml's one-shot `temporal-namespace` job: waits for the server, then makes sure the
# product's namespace exists (the server image, unlike auto-setup, creates none).
set -eu
until temporal operator cluster health --address temporal:7233 >/dev/null 2>&1; do sleep 2; done
temporal operator namespace describe -n default --address temporal:7233 >/dev/null 2>&1 \
  || temporal operator namespace create -n default --retention 720h --address temporal:7233
