# GPU worker: tfjs-node-gpu 4.22 needs CUDA 11.8 and cuDNN 8 at run time; its install downloads libtensorflow,
# so build this image where the internet is reachable.
FROM nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates \
 && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN npm ci && npm install --no-save @tensorflow/tfjs-node-gpu@4.22.0 && npm run build
ENV FER_BACKEND=tensorflow
CMD ["node", "apps/worker/dist/main.js"]
