package dev.groundiff.torch.nn;

import dev.groundiff.torch.Torch;
import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Creates the parameters of the layers in {@link dev.groundiff.torch.nn}. Passed down the module
 * tree at construction, so one model class can be built three ways:
 * <ul>
 *   <li>{@link #random(long)}: PyTorch's default initialisation from a seeded CPU generator (training from scratch);</li>
 *   <li>{@link #uninitialized()}: allocated but not filled, for weights that are loaded right after;</li>
 *   <li>{@link #meta()}: shapes only, no memory (checking a full-size architecture against a manifest).</li>
 * </ul>
 */
public final class ParamFactory {
    private enum Mode { RANDOM, UNINITIALIZED, META }

    private final Mode mode;
    private final Generator generator;

    private ParamFactory(Mode mode, Generator generator) {
        this.mode = mode;
        this.generator = generator;
    }

    public static ParamFactory random(long seed) {
        Torch.init();
        return new ParamFactory(Mode.RANDOM, torch.createCPUGenerator(seed));
    }

    public static ParamFactory uninitialized() {
        Torch.init();
        return new ParamFactory(Mode.UNINITIALIZED, null);
    }

    public static ParamFactory meta() {
        Torch.init();
        return new ParamFactory(Mode.META, null);
    }

    public boolean isMeta() {
        return mode == Mode.META;
    }

    private Tensor empty(long... shape) {
        TensorOptions o = Tensors.options(ScalarType.Float);
        if (mode == Mode.META) o = o.device(new org.bytedeco.pytorch.DeviceOptional(new Device(DeviceType.Meta)));
        return torch.empty(shape, o, new org.bytedeco.pytorch.MemoryFormatOptional());
    }

    /** U(-bound, bound), as PyTorch's kaiming_uniform(a=sqrt(5)) and bias init reduce to with bound = 1/sqrt(fan_in). */
    public Tensor uniform(double bound, long... shape) {
        Tensor t = empty(shape);
        if (mode == Mode.RANDOM) t.uniform_(-bound, bound, new GeneratorOptional(generator));
        return t;
    }

    public Tensor normal(double mean, double std, long... shape) {
        Tensor t = empty(shape);
        if (mode == Mode.RANDOM) t.normal_(mean, std, new GeneratorOptional(generator));
        return t;
    }

    public Tensor constant(double value, long... shape) {
        Tensor t = empty(shape);
        if (mode != Mode.META) t.fill_(Tensors.scalar(value));
        return t;
    }
}
