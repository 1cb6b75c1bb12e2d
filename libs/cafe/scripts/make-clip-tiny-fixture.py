#!/usr/bin/python3
"""Writes libs/cafe/fixtures/clip-tiny/: a tiny random CLIP vision tower with Hugging Face parameter names, inputs and
the embeddings a plain-PyTorch reference forward gives (independent of the TypeScript code; no `transformers`).

Run: /usr/bin/python3 libs/cafe/scripts/make-clip-tiny-fixture.py
     /usr/bin/python3 libs/cafe/scripts/make-clip-tiny-fixture.py --random-b32 /tmp/clip-b32/model.safetensors
       (a full-size ViT-B/32-shaped model with random weights, for benchmarks only; ~350 MB)
"""
import argparse
import json
import os
import struct

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'clip-tiny')
WIDTH, LAYERS, HEADS, PATCH, IMAGE, PROJ, MLP = 64, 2, 4, 8, 32, 24, 256
MEAN = torch.tensor([0.48145466, 0.4578275, 0.40821073])
STD = torch.tensor([0.26862954, 0.26130258, 0.27577711])
EPS = 1e-5


def make_params(generator, WIDTH=WIDTH, LAYERS=LAYERS, PATCH=PATCH, IMAGE=IMAGE, PROJ=PROJ, MLP=MLP):
    def rand(*shape, scale=0.1):
        return torch.randn(*shape, generator=generator, dtype=torch.float64) * scale

    grid = IMAGE // PATCH
    p = {
        'vision_model.embeddings.patch_embedding.weight': rand(WIDTH, 3, PATCH, PATCH),
        'vision_model.embeddings.class_embedding': rand(WIDTH, scale=0.5),
        'vision_model.embeddings.position_embedding.weight': rand(grid * grid + 1, WIDTH, scale=0.5),
        # HF spells it "pre_layrnorm".
        'vision_model.pre_layrnorm.weight': 1 + rand(WIDTH),
        'vision_model.pre_layrnorm.bias': rand(WIDTH),
        'vision_model.post_layernorm.weight': 1 + rand(WIDTH),
        'vision_model.post_layernorm.bias': rand(WIDTH),
        'visual_projection.weight': rand(PROJ, WIDTH, scale=0.2),
    }
    for i in range(LAYERS):
        pre = f'vision_model.encoder.layers.{i}.'
        for proj in ('q_proj', 'k_proj', 'v_proj', 'out_proj'):
            p[pre + f'self_attn.{proj}.weight'] = rand(WIDTH, WIDTH, scale=0.2)
            p[pre + f'self_attn.{proj}.bias'] = rand(WIDTH)
        for norm in ('layer_norm1', 'layer_norm2'):
            p[pre + f'{norm}.weight'] = 1 + rand(WIDTH)
            p[pre + f'{norm}.bias'] = rand(WIDTH)
        p[pre + 'mlp.fc1.weight'] = rand(MLP, WIDTH, scale=0.15)
        p[pre + 'mlp.fc1.bias'] = rand(MLP)
        p[pre + 'mlp.fc2.weight'] = rand(WIDTH, MLP, scale=0.1)
        p[pre + 'mlp.fc2.bias'] = rand(WIDTH)
    # Round to float32 first so the reference computes with exactly the stored values.
    return {k: v.float().double() for k, v in p.items()}


def layer_norm(x, w, b):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + EPS) * w + b


def reference_forward(p, images_uint8):
    """images: [B, H, W, 3] uint8 RGB at IMAGE px → [B, PROJ]; float64 throughout."""
    x = images_uint8.double() / 255.0
    x = ((x - MEAN.double()) / STD.double()).permute(0, 3, 1, 2)  # NCHW
    b = x.shape[0]
    g = IMAGE // PATCH
    # Patch embedding as explicit unfold + matmul (no conv) to stay independent of the TS conv path.
    patches = x.reshape(b, 3, g, PATCH, g, PATCH).permute(0, 2, 4, 1, 3, 5).reshape(b, g * g, 3 * PATCH * PATCH)
    emb = patches @ p['vision_model.embeddings.patch_embedding.weight'].reshape(WIDTH, -1).T
    cls = p['vision_model.embeddings.class_embedding'].expand(b, 1, WIDTH)
    h = torch.cat([cls, emb], 1) + p['vision_model.embeddings.position_embedding.weight']
    h = layer_norm(h, p['vision_model.pre_layrnorm.weight'], p['vision_model.pre_layrnorm.bias'])
    t, d = h.shape[1], WIDTH // HEADS
    for i in range(LAYERS):
        pre = f'vision_model.encoder.layers.{i}.'
        lin = lambda z, name: z @ p[pre + name + '.weight'].T + p[pre + name + '.bias']
        r = h
        z = layer_norm(h, p[pre + 'layer_norm1.weight'], p[pre + 'layer_norm1.bias'])
        q = lin(z, 'self_attn.q_proj').reshape(b, t, HEADS, d).transpose(1, 2) * d ** -0.5
        k = lin(z, 'self_attn.k_proj').reshape(b, t, HEADS, d).transpose(1, 2)
        v = lin(z, 'self_attn.v_proj').reshape(b, t, HEADS, d).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2), -1) @ v
        h = r + lin(a.transpose(1, 2).reshape(b, t, WIDTH), 'self_attn.out_proj')
        r = h
        z = layer_norm(h, p[pre + 'layer_norm2.weight'], p[pre + 'layer_norm2.bias'])
        z = lin(z, 'mlp.fc1')
        z = z * torch.sigmoid(1.702 * z)  # QuickGELU
        h = r + lin(z, 'mlp.fc2')
    pooled = layer_norm(h[:, 0], p['vision_model.post_layernorm.weight'], p['vision_model.post_layernorm.bias'])
    return pooled @ p['visual_projection.weight'].T


def tensor_bytes(t, dtype):
    if dtype == 'F32':
        return t.float().contiguous().numpy().tobytes()
    if dtype == 'F16':
        return t.half().contiguous().numpy().tobytes()
    if dtype == 'BF16':
        return t.bfloat16().contiguous().view(torch.int16).numpy().tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors, metadata=None):
    """tensors: {name: (tensor, dtype)}; little-endian, header padded with spaces to 8 bytes as the reference writer does."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name, (t, dtype) in tensors.items():
        data = tensor_bytes(t, dtype)
        header[name] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode('utf8')
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def write_random_b32(path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    g = torch.Generator().manual_seed(0)
    p = make_params(g, WIDTH=768, LAYERS=12, PATCH=32, IMAGE=224, PROJ=512, MLP=3072)
    write_safetensors(path, {k: (v.float(), 'F32') for k, v in p.items()}, metadata={'num_attention_heads': '12'})
    print(f'wrote {path} (random ViT-B/32-shaped weights; benchmark use only)')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--random-b32', metavar='PATH')
    args = parser.parse_args()
    if args.random_b32:
        return write_random_b32(args.random_b32)
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(1234)
    p = make_params(g)
    # A text-tower tensor and HF's position_ids buffer, as in the real file: the loader must ignore both.
    extras = {
        'text_model.embeddings.token_embedding.weight': (torch.randn(10, 8, generator=g), 'F32'),
        'vision_model.embeddings.position_ids': (torch.arange((IMAGE // PATCH) ** 2 + 1).float().reshape(1, -1), 'F32'),
    }
    write_safetensors(os.path.join(OUT, 'model.safetensors'), {**{k: (v, 'F32') for k, v in p.items()}, **extras})
    with open(os.path.join(OUT, 'config.json'), 'w') as f:
        json.dump({'model_type': 'clip', 'projection_dim': PROJ, 'vision_config': {
            'hidden_size': WIDTH, 'num_hidden_layers': LAYERS, 'num_attention_heads': HEADS, 'patch_size': PATCH,
            'image_size': IMAGE, 'intermediate_size': MLP, 'hidden_act': 'quick_gelu', 'layer_norm_eps': EPS}}, f, indent=2)

    images = torch.randint(0, 256, (3, IMAGE, IMAGE, 3), generator=g, dtype=torch.int64)
    images[0] = 128  # a flat grey image
    expected = reference_forward(p, images)
    # The same model stored in half precision: the loader must up-cast F16 and BF16 exactly.
    half = {k: (v, 'F16' if i % 2 else 'BF16') for i, (k, v) in enumerate(p.items())}
    write_safetensors(os.path.join(OUT, 'model-half.safetensors'), half, metadata={'num_attention_heads': str(HEADS)})
    half_params = {k: (v.half() if dtype == 'F16' else v.bfloat16()).double() for k, (v, dtype) in half.items()}
    expected_half = reference_forward(half_params, images)

    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump({
            'description': 'tiny CLIP vision tower (random weights, HF names); made by libs/cafe/scripts/make-clip-tiny-fixture.py',
            'hyperparameters': {'width': WIDTH, 'layers': LAYERS, 'heads': HEADS, 'patchSize': PATCH, 'imageSize': IMAGE, 'projectionDim': PROJ},
            'images': {'shape': list(images.shape), 'data': images.flatten().tolist()},
            'embeddings': [[round(x, 8) for x in row] for row in expected.tolist()],
            'embeddingsHalf': [[round(x, 8) for x in row] for row in expected_half.tolist()],
            'halfSamples': {k: [float(x) for x in half_params[k].flatten()[:6]] for k in list(half)[:4]},
        }, f)
    print(f'wrote {OUT}: embeddings {tuple(expected.shape)}')


if __name__ == '__main__':
    main()
