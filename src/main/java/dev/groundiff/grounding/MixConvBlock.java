package dev.groundiff.grounding;

import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The official {@code SegBlock} as the grounding module uses it (in = out channels, no upsampling,
 * so no shortcut conv): {@code x = relu(BN1(x)); h = conv2(relu(BN2(conv1(x)))); return h + x}.
 *
 * <p>The residual is {@code relu(BN1(x))}, not {@code x}: the official activation is
 * {@code nn.ReLU(inplace=True)}, which overwrites {@code x}. The batch norms have no affine and no
 * conditioning (the official constructor's {@code con_channels} and {@code which_linear} are unused),
 * eps 1e-4, momentum 0.1.
 */
final class MixConvBlock extends Layer {
    static final double BN_EPS = 1e-4;
    static final double BN_MOMENTUM = 0.1;

    final SpectralNormConv2d conv1;
    final SpectralNormConv2d conv2;
    final Tensor storedMean1;
    final Tensor storedVar1;
    final Tensor storedMean2;
    final Tensor storedVar2;
    private final BatchNormMode mode;

    MixConvBlock(ParamFactory f, int channels, BatchNormMode mode) {
        this.conv1 = child("conv1", new SpectralNormConv2d(f, channels, 3));
        this.conv2 = child("conv2", new SpectralNormConv2d(f, channels, 3));
        this.storedMean1 = buffer("stored_mean1", f.constant(0, channels));
        this.storedVar1 = buffer("stored_var1", f.constant(1, channels));
        this.storedMean2 = buffer("stored_mean2", f.constant(0, channels));
        this.storedVar2 = buffer("stored_var2", f.constant(1, channels));
        this.mode = mode;
    }

    Tensor forward(Tensor x) {
        Tensor r = torch.relu(norm(x, storedMean1, storedVar1));
        Tensor h = conv1.forward(r);
        h = torch.relu(norm(h, storedMean2, storedVar2));
        h = conv2.forward(h);
        return h.add(r);
    }

    /**
     * BATCH: statistics per image and channel over H x W (for one image exactly the official train-mode
     * batch norm; for several, each image is normalised as if it were alone). In training mode the
     * running statistics move by momentum 0.1 towards the mean over the images of their mean and
     * unbiased variance (PyTorch's instance_norm rule; for one image exactly batch_norm's).
     * RUNNING: the stored statistics, never updated.
     */
    private Tensor norm(Tensor x, Tensor mean, Tensor var) {
        if (mode == BatchNormMode.RUNNING) {
            return torch.batch_norm(x, Tensors.opt(null), Tensors.opt(null), Tensors.opt(mean), Tensors.opt(var),
                    false, BN_MOMENTUM, BN_EPS, false);
        }
        boolean update = is_training();
        return torch.instance_norm(x, Tensors.opt(null), Tensors.opt(null),
                Tensors.opt(update ? mean : null), Tensors.opt(update ? var : null),
                true, BN_MOMENTUM, BN_EPS, false);
    }
}
