/**
 * The state-dict keys and shapes of a ResNet-18 trunk as torchvision names them (`torchvision.models.resnet18()`,
 * everything but `fc`: each method brings its own head). What a user's MS-Celeb (or ImageNet) checkpoint is matched
 * against.
 */
export function resnet18TrunkShapes(): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const batchNorm = (prefix: string, channels: number) => {
    for (const name of ['weight', 'bias', 'running_mean', 'running_var']) shapes.set(`${prefix}.${name}`, [channels]);
    shapes.set(`${prefix}.num_batches_tracked`, []);
  };
  shapes.set('conv1.weight', [64, 3, 7, 7]);
  batchNorm('bn1', 64);
  const widths = [64, 128, 256, 512];
  widths.forEach((width, stage) => {
    const input = stage === 0 ? 64 : widths[stage - 1];
    for (let block = 0; block < 2; block++) {
      const prefix = `layer${stage + 1}.${block}`;
      shapes.set(`${prefix}.conv1.weight`, [width, block === 0 ? input : width, 3, 3]);
      batchNorm(`${prefix}.bn1`, width);
      shapes.set(`${prefix}.conv2.weight`, [width, width, 3, 3]);
      batchNorm(`${prefix}.bn2`, width);
      if (block === 0 && stage > 0) {
        shapes.set(`${prefix}.downsample.0.weight`, [width, input, 1, 1]);
        batchNorm(`${prefix}.downsample.1`, width);
      }
    }
  });
  return shapes;
}
