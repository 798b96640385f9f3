package dev.groundiff.torch;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Arrays;

/** Small conversions between Java values and tensors that the rest of the code shares. */
public final class Tensors {
    private Tensors() {}

    public static long[] shape(Tensor t) {
        return t.sizes().vec().get();
    }

    public static long[] strides(Tensor t) {
        return t.strides().vec().get();
    }

    public static String shapeString(Tensor t) {
        return Arrays.toString(shape(t));
    }

    public static Scalar scalar(double v) {
        return new Scalar(v);
    }

    /**
     * A Scalar for a static field: libtorch is loaded first through {@link Torch#init()} (the Scalar class
     * would otherwise load it on its own), and the Scalar is retained, so that the PointerScope of whichever
     * caller happens to initialise the class does not free it.
     */
    public static Scalar constant(double v) {
        Torch.init();
        return new Scalar(v).retainReference();
    }

    public static TensorOptional opt(Tensor t) {
        return t == null ? new TensorOptional() : new TensorOptional(t);
    }

    public static TensorOptions options(ScalarType type) {
        return new TensorOptions().dtype(new org.bytedeco.pytorch.ScalarTypeOptional(type));
    }

    /** A new float32 tensor holding a copy of {@code values}, shaped {@code shape}. */
    public static Tensor fromFloats(float[] values, long... shape) {
        Torch.init();
        FloatPointer p = new FloatPointer(values);
        Tensor t = torch.from_blob(p, shape, options(ScalarType.Float)).clone();
        p.close();
        return t;
    }

    public static Tensor fromDoubles(double[] values, long... shape) {
        Torch.init();
        DoublePointer p = new DoublePointer(values);
        Tensor t = torch.from_blob(p, shape, options(ScalarType.Double)).clone();
        p.close();
        return t;
    }

    public static Tensor fromLongs(long[] values, long... shape) {
        Torch.init();
        LongPointer p = new LongPointer(values);
        Tensor t = torch.from_blob(p, shape, options(ScalarType.Long)).clone();
        p.close();
        return t;
    }

    /** The values of any real tensor as float32, row-major. */
    public static float[] toFloats(Tensor t) {
        if (t.numel() == 0) return new float[0]; // an empty tensor has no data pointer
        Tensor c = t.detach().to(ScalarType.Float).contiguous().cpu();
        float[] out = new float[(int) c.numel()];
        new FloatPointer(c.data_ptr()).capacity(out.length).get(out);
        return out;
    }

    public static double[] toDoubles(Tensor t) {
        if (t.numel() == 0) return new double[0]; // an empty tensor has no data pointer
        Tensor c = t.detach().to(ScalarType.Double).contiguous().cpu();
        double[] out = new double[(int) c.numel()];
        new DoublePointer(c.data_ptr()).capacity(out.length).get(out);
        return out;
    }

    public static long[] toLongs(Tensor t) {
        if (t.numel() == 0) return new long[0]; // an empty tensor has no data pointer
        Tensor c = t.detach().to(ScalarType.Long).contiguous().cpu();
        long[] out = new long[(int) c.numel()];
        new LongPointer(c.data_ptr()).capacity(out.length).get(out);
        return out;
    }

    /** The raw bytes of a contiguous copy of {@code t}, in its own dtype (little-endian, as in memory). */
    public static byte[] toBytes(Tensor t) {
        Tensor c = t.detach().contiguous().cpu();
        byte[] out = new byte[Math.toIntExact(c.nbytes())];
        new BytePointer(c.data_ptr()).capacity(out.length).get(out);
        return out;
    }

    public static double maxAbs(Tensor t) {
        if (t.numel() == 0) return 0;
        return t.detach().to(ScalarType.Double).abs().max().item_double();
    }
}
