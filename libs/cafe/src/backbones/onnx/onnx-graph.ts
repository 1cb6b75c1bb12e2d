import { onnx } from 'onnx-proto';

/** ONNX operator set the frozen graphs are written for (LayerNormalization needs 17). */
export const ONNX_OPSET = 17;

/** An attribute: an int, `{ float }`, a list of ints or a string. */
type Attribute = number | { float: number } | number[] | string;

/**
 * A small writer of ONNX graphs over the official protobuf schema (onnx-proto): float32 initializers, nodes with int,
 * float, int-list and string attributes, one float32 input and output. Enough to express a frozen backbone's forward
 * pass in a file ONNX Runtime loads; names are generated (`t0`, `t1`, ...) so callers only wire values.
 */
export class OnnxGraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private counter = 0;

  /** A float32 (or int64) constant tensor; returns its value name. */
  constant(values: Float32Array | number[], dims: number[], type: 'float' | 'int64' = 'float'): string {
    const name = `c${this.initializers.length}`;
    this.initializers.push(
      type === 'float'
        ? { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: floatBytes(values) }
        : { name, dims, dataType: onnx.TensorProto.DataType.INT64, int64Data: [...values].map((v) => v) },
    );
    return name;
  }

  /** One node; returns its output value name(s). */
  op(type: string, inputs: string[], attributes: Record<string, Attribute> = {}, outputs = 1): string {
    return this.opMany(type, inputs, attributes, outputs)[0];
  }

  opMany(type: string, inputs: string[], attributes: Record<string, Attribute> = {}, outputs = 1): string[] {
    const names = Array.from({ length: outputs }, () => `t${this.counter++}`);
    this.nodes.push({
      opType: type,
      input: inputs,
      output: names,
      name: `${type}_${this.nodes.length}`,
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return names;
  }

  /** The serialized model: `input` [dims, -1 = dynamic] float32 in, `output` float32 out. */
  build(input: { name: string; dims: (number | string)[] }, output: { name: string; from: string; dims: (number | string)[] }, producer: string): Uint8Array {
    this.op('Identity', [output.from]);
    const last = this.nodes[this.nodes.length - 1];
    last.output = [output.name];
    const model: onnx.IModelProto = {
      irVersion: 8,
      producerName: producer,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      graph: {
        name: producer,
        node: this.nodes,
        initializer: this.initializers,
        input: [valueInfo(input.name, input.dims)],
        output: [valueInfo(output.name, output.dims)],
      },
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}

function floatBytes(values: Float32Array | number[]): Uint8Array {
  const array = values instanceof Float32Array ? values : Float32Array.from(values);
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function attribute(name: string, value: Attribute): onnx.IAttributeProto {
  if (typeof value === 'string') return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: value };
  if (typeof value === 'object') return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value.float };
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

function valueInfo(name: string, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}
