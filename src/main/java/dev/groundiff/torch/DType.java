package dev.groundiff.torch;

import dev.groundiff.GroundiffException;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Locale;

/** The element types Groundiff reads and writes, with their names in each file format. */
public enum DType {
    FLOAT64(ScalarType.Double, 8, "F64", "float64"),
    FLOAT32(ScalarType.Float, 4, "F32", "float32"),
    FLOAT16(ScalarType.Half, 2, "F16", "float16"),
    BFLOAT16(ScalarType.BFloat16, 2, "BF16", "bfloat16"),
    INT64(ScalarType.Long, 8, "I64", "int64"),
    INT32(ScalarType.Int, 4, "I32", "int32"),
    INT16(ScalarType.Short, 2, "I16", "int16"),
    INT8(ScalarType.Char, 1, "I8", "int8"),
    UINT8(ScalarType.Byte, 1, "U8", "uint8"),
    BOOL(ScalarType.Bool, 1, "BOOL", "bool");

    public final ScalarType scalarType;
    public final int bytes;
    /** The name in a safetensors header. */
    public final String safetensorsName;
    /** PyTorch's name ({@code torch.float32} without the prefix). */
    public final String torchName;

    DType(ScalarType scalarType, int bytes, String safetensorsName, String torchName) {
        this.scalarType = scalarType;
        this.bytes = bytes;
        this.safetensorsName = safetensorsName;
        this.torchName = torchName;
    }

    public boolean isFloatingPoint() {
        return this == FLOAT64 || this == FLOAT32 || this == FLOAT16 || this == BFLOAT16;
    }

    public static DType of(ScalarType t) {
        // Bytedeco enums returned from native code are not the Java constants: compare by value.
        for (DType d : values()) if (d.scalarType.value == t.value) return d;
        throw new IllegalArgumentException("unsupported tensor type " + t);
    }

    public static DType fromSafetensors(String name) {
        for (DType d : values()) if (d.safetensorsName.equals(name)) return d;
        return null;
    }

    /** Parses a user-facing name: {@code float32}, {@code bfloat16}, {@code fp16}, ... */
    public static DType parse(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        switch (n) {
            case "fp32": case "float": return FLOAT32;
            case "bf16": return BFLOAT16;
            case "fp16": case "half": return FLOAT16;
            default:
                for (DType d : values()) if (d.torchName.equals(n)) return d;
        }
        throw new GroundiffException("unknown dtype '" + name + "' (expected float32, bfloat16 or float16)");
    }
}
