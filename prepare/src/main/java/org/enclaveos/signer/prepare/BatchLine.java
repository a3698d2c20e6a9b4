package org.enclaveos.signer.prepare;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.cli.MeasureCommand;
import org.enclaveos.signer.cli.Numbers;
import org.enclaveos.signer.cli.Signers;
import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.sgx.Hash256;

import picocli.CommandLine;

/**
 * One line of {@code prepare --batch}: a JSON object whose keys are prepare's options (camelCase, or
 * as on the command line without the dashes), laid over the command line's spec. The values go
 * through the same parsers as the options. A line may not turn off the command line's
 * {@code --production} nor change its pinned signer; the batch's own options are not a line's.
 */
final class BatchLine {
    private static final Set<String> BATCH_ONLY = Set.of("out", "batch", "jobs", "force", "json");
    private static final Set<String> SOURCES = Set.of("image", "sgxs", "layout", "enclave", "mrenclave");

    private BatchLine() {
    }

    /**
     * @param defaults the command line's builder (copied, never changed)
     * @param productionPinned the command line said {@code --production}
     */
    static PrepareSpec spec(String json, PrepareSpec.Builder defaults, boolean productionPinned) {
        JsonNode n;
        try {
            n = SigstructJson.readTree(json);
        } catch (IOException e) {
            throw SignerException.malformed("not JSON");
        }
        if (n == null || !n.isObject()) {
            throw SignerException.malformed("expected one JSON object per line");
        }
        PrepareSpec.Builder b = defaults.copy();
        Hash256 pinned = defaults.pinnedSigner();
        int sources = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            String k = key.toLowerCase(java.util.Locale.ROOT).replace("-", "");
            JsonNode v = e.getValue();
            String text = v.asText();
            if (BATCH_ONLY.contains(k)) {
                throw SignerException.malformed("'" + key + "' belongs to the batch command, not to a line");
            }
            sources += SOURCES.contains(k) ? 1 : 0;
            try {
                switch (k) {
                    case "image" -> b.source(new EnclaveSource.Image(text));
                    case "sgxs" -> b.source(new EnclaveSource.Sgxs(Path.of(text)));
                    case "layout" -> b.source(new EnclaveSource.Layout(Path.of(text)));
                    case "enclave" -> b.source(EnclaveSource.enclaveFile(Path.of(text)));
                    case "mrenclave" -> b.source(new EnclaveSource.Given(mrenclave(key, text)));
                    case "name" -> b.name(text);
                    case "target" -> b.target(text);
                    case "memorymodel" -> b.models(MemoryModel.parseOption(key, text));
                    case "isvprodid" -> b.isvProdId(new Numbers.U16().convert(text));
                    case "isvsvn" -> b.isvSvn(new Numbers.U16().convert(text));
                    case "production" -> {
                        if (!flag(key, v) && productionPinned) {
                            throw new SignerException(ErrorKind.POLICY, "\"production\": false would weaken the "
                                    + "command line's --production; a line may not");
                        }
                        b.production(flag(key, v));
                    }
                    case "date" -> b.date(SigstructRecipe.date(text, null, LocalDate.now(ZoneOffset.UTC)));
                    case "vendor" -> b.vendor(new Numbers.U32().convert(text));
                    case "swdefined" -> b.swDefined(new Numbers.U32().convert(text));
                    case "attributes" -> b.attributes(new Numbers.SigstructAttributes().convert(text));
                    case "attributemask" -> b.attributeMask(new Numbers.AttributesPair().convert(text));
                    case "miscselect" -> b.miscSelect(new Numbers.U32().convert(text));
                    case "miscmask" -> b.miscMask(new Numbers.U32().convert(text));
                    case "isvfamilyid" -> b.isvFamilyId(PrepareCommand.hex16(key, text));
                    case "isvextprodid" -> b.isvExtProdId(PrepareCommand.hex16(key, text));
                    case "expectedsigner", "signerkey" -> {
                        Hash256 signer = k.equals("signerkey") ? Signers.expected(key, null, Path.of(text))
                                : Signers.expected(key, text, null);
                        if (pinned != null && !pinned.equals(signer)) {
                            throw new SignerException(ErrorKind.POLICY, "'" + key + "' would change the signer pinned "
                                    + "on the command line (" + pinned + "); a line may not");
                        }
                        b.pinnedSigner(signer);
                    }
                    case "trustmeasurement" -> b.trustMeasurement(flag(key, v));
                    case "allowunmeasured" -> b.allowUnmeasured(flag(key, v));
                    case "maxlayoutsize" -> b.maxLayoutSize(Numbers.parse(text, 63));
                    case "maxmeasuredsize" -> b.maxMeasuredSize(new MeasureCommand.MaxMeasuredSize().convert(text));
                    case "platform" -> b.platform(text);
                    case "insecureregistry" -> b.insecureRegistry(text);
                    case "registrytimeout" -> b.registryTimeout(seconds(key, text));
                    default -> throw SignerException.malformed("unknown key '" + key + "' (keys are prepare's options)");
                }
            } catch (CommandLine.TypeConversionException | IllegalArgumentException ex) {
                throw new SignerException(ErrorKind.USAGE, "'" + key + "': " + ex.getMessage());
            }
        }
        if (sources != 1) {
            throw new SignerException(ErrorKind.USAGE, "give exactly one of image, sgxs, layout, enclave or mrenclave "
                    + "(this line has " + sources + ")");
        }
        return b.build();
    }

    /** An MRENCLAVE as typed: 64 hex digits. */
    static Hash256 mrenclave(String option, String text) {
        try {
            return Hash256.parse(option, text);
        } catch (IllegalArgumentException e) {
            throw new SignerException(ErrorKind.USAGE, e.getMessage());
        }
    }

    private static boolean flag(String key, JsonNode v) {
        if (!v.isBoolean()) {
            throw new SignerException(ErrorKind.USAGE, "'" + key + "': expected true or false, not " + v);
        }
        return v.asBoolean();
    }

    private static Duration seconds(String key, String text) {
        long s = Numbers.parse(text, 31);
        if (s < 1) {
            throw new SignerException(ErrorKind.USAGE, "'" + key + "' must be at least 1 second, not " + text);
        }
        return Duration.ofSeconds(s);
    }
}
