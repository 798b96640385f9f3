package dev.groundiff.grounding;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.groundiff.GroundiffException;
import dev.groundiff.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Every width of the grounding module ({@code Segmodule} of the official code), so that one class
 * builds the full Stable Diffusion v1.x module ({@link #sdV1()}) and the narrow ones used by tests and
 * the embedded world.
 *
 * <p>The three mix-conv ("SegBlock") widths are not free: each block keeps its width and its input is
 * the concatenation of the coarser path and the current 1x1 conv, so they are derived
 * ({@link #midMixChannels()}, {@link #highMixChannels()}, {@link #featureChannels()}).
 *
 * @param lowChannels     input channels of the {@code low} group (all its taps, unconditional + conditional)
 * @param midChannels     same for {@code mid}
 * @param highChannels    same for {@code high}
 * @param highestChannels same for {@code highest}
 * @param lowWidth        output channels of {@code low_feature_conv} (1x1, no bias)
 * @param midWidth        output channels of {@code mid_feature_conv}
 * @param highWidth       output channels of {@code high_feature_conv}
 * @param highestWidth    output channels of {@code highest_feature_conv}
 * @param featureSize     side of the fused feature map F (64); the low and mid paths work at 1/4 and 1/2 of it
 * @param patchSize       side of the non-overlapping patches cut from F as visual tokens (4)
 * @param embeddingDim    width of the fusion transformer (512)
 * @param numHeads        attention heads (8)
 * @param numLayers       decoder layers (3)
 * @param ffnDim          decoder feed-forward width (2048)
 * @param textDim         width of a category query embedding (CLIP ViT-L/14: 768)
 * @param outputSize      side of the output logit maps (512)
 */
public record GroundingConfig(
        int lowChannels, int midChannels, int highChannels, int highestChannels,
        int lowWidth, int midWidth, int highWidth, int highestWidth,
        int featureSize, int patchSize,
        int embeddingDim, int numHeads, int numLayers, int ffnDim,
        int textDim, int outputSize) {

    private static final Gson GSON = new GsonBuilder()
            .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
            .setPrettyPrinting()
            .create();

    public GroundingConfig {
        positive("low_channels", lowChannels);
        positive("mid_channels", midChannels);
        positive("high_channels", highChannels);
        positive("highest_channels", highestChannels);
        positive("low_width", lowWidth);
        positive("mid_width", midWidth);
        positive("high_width", highWidth);
        positive("highest_width", highestWidth);
        positive("feature_size", featureSize);
        positive("patch_size", patchSize);
        positive("embedding_dim", embeddingDim);
        positive("num_heads", numHeads);
        positive("num_layers", numLayers);
        positive("ffn_dim", ffnDim);
        positive("text_dim", textDim);
        positive("output_size", outputSize);
        if (featureSize % 4 != 0) throw new GroundiffException("grounding config: feature_size " + featureSize + " is not a multiple of 4");
        if (featureSize % patchSize != 0) {
            throw new GroundiffException("grounding config: feature_size " + featureSize + " is not a multiple of patch_size " + patchSize);
        }
        if (embeddingDim % numHeads != 0) {
            throw new GroundiffException("grounding config: embedding_dim " + embeddingDim + " is not divisible by num_heads " + numHeads);
        }
    }

    private static void positive(String name, int v) {
        if (v <= 0) throw new GroundiffException("grounding config: " + name + " must be positive (got " + v + "; missing?)");
    }

    /** The official module: Stable Diffusion v1.x taps (model_channels 320), 18,796,560 parameters. */
    public static GroundingConfig sdV1() {
        return forUnet(320, 16, 32, 64, 128, 512, 8, 3, 2048, 768);
    }

    /**
     * The module for a UNet shaped like SD v1 (channel multipliers 1/2/4/4, two res blocks per level,
     * the 25 taps of the official code) with {@code modelChannels} base channels: the group input
     * widths follow from it (times 2 for the unconditional and conditional halves).
     */
    public static GroundingConfig forUnet(int modelChannels, int lowWidth, int midWidth, int highWidth, int highestWidth,
                                          int embeddingDim, int numHeads, int numLayers, int ffnDim, int textDim) {
        int c1 = modelChannels, c2 = 2 * modelChannels, c4 = 4 * modelChannels;
        return new GroundingConfig(
                c4 * 6 * 2, (c4 * 5 + c2) * 2, (c4 + c2 * 4 + c1) * 2, (c2 + c1 * 6) * 2,
                lowWidth, midWidth, highWidth, highestWidth,
                64, 4, embeddingDim, numHeads, numLayers, ffnDim, textDim, 512);
    }

    /**
     * The same widths at another resolution: F of {@code featureSize} cut into {@code patchSize} patches,
     * logits upsampled to {@code outputSize} (the official module: 64, 4, 512).
     */
    public GroundingConfig atResolution(int featureSize, int patchSize, int outputSize) {
        return new GroundingConfig(lowChannels, midChannels, highChannels, highestChannels, lowWidth, midWidth, highWidth, highestWidth,
                featureSize, patchSize, embeddingDim, numHeads, numLayers, ffnDim, textDim, outputSize);
    }

    /** Channels of the mid mix-conv block: cat[low, mid]. */
    public int midMixChannels() {
        return lowWidth + midWidth;
    }

    /** Channels of the high mix-conv block: cat[mid mix, high]. */
    public int highMixChannels() {
        return midMixChannels() + highWidth;
    }

    /** Channels of the fused feature map F = the highest mix-conv block: cat[high mix, highest]. */
    public int featureChannels() {
        return highMixChannels() + highestWidth;
    }

    /** Visual tokens: patches per side. */
    public int patchesPerSide() {
        return featureSize / patchSize;
    }

    /** Width of one visual token before {@code to_k}: channel-major, then ky, then kx. */
    public int tokenDim() {
        return featureChannels() * patchSize * patchSize;
    }

    /** Working size of the low path (16 in the official module). */
    public int lowSize() {
        return featureSize / 4;
    }

    /** Working size of the mid path (32 in the official module). */
    public int midSize() {
        return featureSize / 2;
    }

    public String toJson() {
        return GSON.toJson(this);
    }

    public static GroundingConfig fromJson(String json, String source) {
        try {
            GroundingConfig c = GSON.fromJson(json, GroundingConfig.class);
            if (c == null) throw new GroundiffException(source + ": empty grounding config");
            return c;
        } catch (JsonParseException e) {
            throw new GroundiffException(source + ": not a valid grounding config (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            // Gson wraps what the record constructor throws; surface the validation message
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof GroundiffException g) throw new GroundiffException(source + ": " + g.getMessage(), g);
            }
            throw e;
        }
    }

    public void write(Path path) throws IOException {
        AtomicFiles.writeString(path, toJson() + "\n");
    }

    public static GroundingConfig read(Path path) {
        try {
            return fromJson(Files.readString(path), path.toString());
        } catch (NoSuchFileException e) {
            throw new GroundiffException(path + ": no such file");
        } catch (IOException e) {
            throw new GroundiffException(path + ": cannot read: " + e.getMessage(), e);
        }
    }
}
