package org.enclaveos.signer.prepare;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.cli.Cli;
import org.enclaveos.signer.cli.Numbers;
import org.enclaveos.signer.cli.VersionProvider;
import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.io.Hex;
import org.enclaveos.signer.measure.Sgxs;
import org.enclaveos.signer.image.ImageMeasure;
import org.enclaveos.signer.image.RegistryClient;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestWriter;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "prepare", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class, sortOptions = false,
        description = {"Write unsigned SIGSTRUCT requests for an auditor to review and sign-offline to sign.", "",
            "The enclave comes from a converted container image (each memory model's layout re-measured and compared "
                + "with the converter's signature; values not given kept from it), an SGXS stream, an SGX SDK signed "
                + "enclave (re-measured from its own metadata, defaults kept from its SIGSTRUCT) or a given MRENCLAVE. "
                + "Each request holds the "
                + "1808 unsigned bytes, every field decoded, the 256-byte signing payload and its SHA-256; "
                + "DIR/bundle.json lists every request with its SHA-256. The same inputs give byte-identical files."},
        footer = {"", "Examples:",
            "  enclaveos-signer prepare registry.example.com/team/app:1.0 --memory-model all --production \\",
            "      --target registry.example.com/team/app:1.0-signed --signer-key prod.pub.pem --out requests/",
            "  enclaveos-signer prepare --sgxs enclave.sgxs --isvprodid 1 --isvsvn 3 --production --out requests/",
            "  enclaveos-signer prepare --mrenclave c506...a75d --isvprodid 0 --isvsvn 0 --date 2016-01-09 \\",
            "      --attributes 0x4/0x3 --attribute-mask 0xfffffffffffffffd/0xffffffffffffff1b --misc-mask 0xffffffff \\",
            "      --name sig1 --out requests/"})
public final class PrepareCommand implements Callable<Integer> {

    @Parameters(paramLabel = "IMAGE", arity = "0..1", description = "A converted image: docker://HOST/REPO:TAG "
            + "(the default), oci:DIR[:TAG]. Its layouts are re-measured and compared with the converter's signatures.")
    String image;

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nOr, instead of an image (one of):%n")
    Source source;

    @Option(names = "--trust-measurement", description = "Sign the measured MRENCLAVE even where the converter's "
            + "signature says another (recorded in the request).")
    boolean trustMeasurement;

    @Option(names = "--max-layout-size", paramLabel = "BYTES", description = "The largest layout file read from an image "
            + "(default 1 GiB).")
    long maxLayoutSize = ImageMeasure.DEFAULT_MAX_LAYOUT_SIZE;

    @Option(names = "--max-measured-size", paramLabel = "BYTES", converter = org.enclaveos.signer.cli.MeasureCommand.MaxMeasuredSize.class,
            description = "The most page bytes a layout manifest or SDK enclave may add (default 64 GiB); refused before "
                    + "hashing starts.")
    long maxMeasuredSize = org.enclaveos.signer.measure.Measurement.DEFAULT_MAX_MEASURED_BYTES;

    static final class Source {
        @Option(names = "--sgxs", paramLabel = "FILE", description = "An SGXS stream to measure.")
        Path sgxs;

        @Option(names = "--mrenclave", paramLabel = "HEX", description = "Sign this measurement as given (64 hex digits).")
        String mrenclave;

        @Option(names = "--layout", paramLabel = "FILE.json", description = "A layout manifest (content paths relative "
                + "to it): measured for the --memory-model given (default: its only model, or sgx1).")
        Path layout;

        @Option(names = "--enclave", paramLabel = "FILE.signed.so", description = "An Intel SGX SDK signed enclave: "
                + "re-measured from its own metadata; every field not given is kept from its SIGSTRUCT.")
        Path enclave;
    }

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the request files.")
    Path out;

    @Option(names = "--name", paramLabel = "NAME", description = "File name stem (default: the input's name).")
    String name;

    @Option(names = "--memory-model", paramLabel = "MODEL",
            description = "Label the request with this memory model (sgx1 or sgx2; aliases full, minimal).")
    String memoryModel;

    @Option(names = "--isvprodid", paramLabel = "N", converter = Numbers.U16.class, description = "ISVPRODID, 0..65535.")
    Integer isvProdId;

    @Option(names = "--isvsvn", paramLabel = "N", converter = Numbers.U16.class, description = "ISVSVN, 0..65535.")
    Integer isvSvn;

    @Option(names = "--production", description = "Clear ATTRIBUTES.DEBUG and enforce it in ATTRIBUTEMASK "
            + "(default: a debug request, as the original tool).")
    boolean production;

    @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "DATE (0000-00-00 writes 0). "
            + "Default: SOURCE_DATE_EPOCH, else today (UTC).")
    String date;

    @Option(names = "--vendor", paramLabel = "N", converter = Numbers.U32.class, description = "VENDOR (default 0).")
    Integer vendor;

    @Option(names = "--swdefined", paramLabel = "N", converter = Numbers.U32.class, description = "SWDEFINED (default 0).")
    Integer swDefined;

    @Option(names = "--attributes", paramLabel = "FLAGS/XFRM", converter = Numbers.SigstructAttributes.class,
            description = "ATTRIBUTES, used literally (default 0x4/0x7, plus DEBUG unless --production).")
    Attributes attributes;

    @Option(names = "--attribute-mask", paramLabel = "FLAGS/XFRM", converter = Numbers.AttributesPair.class,
            description = "ATTRIBUTEMASK, used literally (default 0xffffffffffffffff/0xffffffffffffff1f).")
    Attributes attributeMask;

    @Option(names = "--misc-select", paramLabel = "N", converter = Numbers.U32.class, description = "MISCSELECT (default 0).")
    Integer miscSelect;

    @Option(names = "--misc-mask", paramLabel = "N", converter = Numbers.U32.class, description = "MISCMASK (default 0xfffffffe).")
    Integer miscMask;

    @Option(names = "--isvfamilyid", paramLabel = "HEX", description = "ISVFAMILYID, 16 bytes in hex (KSS).")
    String isvFamilyId;

    @Option(names = "--isvextprodid", paramLabel = "HEX", description = "ISVEXTPRODID, 16 bytes in hex (KSS).")
    String isvExtProdId;

    @Option(names = "--target", paramLabel = "REF", description = "Where attach will push the signed image.")
    String target;

    @ArgGroup(exclusive = true, heading = "%nPin the signer (sign-offline and attach refuse any other key):%n")
    org.enclaveos.signer.cli.SignerPin signer;

    @Option(names = "--force", description = "Replace existing requests that have other content.")
    boolean force;

    @Option(names = "--batch", paramLabel = "FILE.jsonl", description = "One JSON object per line, keys mirroring the "
            + "options (image, sgxs, layout, enclave or mrenclave; name, isvprodid, isvsvn, production, memoryModel, target, "
            + "date, ...); entries run in parallel and a bad one does not stop the others.")
    Path batch;

    @Option(names = "--jobs", paramLabel = "N", description = "With --batch: entries at a time (default 4).")
    int jobs = 4;

    @Option(names = "--json", description = "Print one JSON document on stdout.")
    boolean json;

    @picocli.CommandLine.Mixin
    org.enclaveos.signer.image.cli.RegistryOptions images;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (batch != null) {
            if (image != null || source != null) {
                throw new SignerException(ErrorKind.USAGE, "--batch takes its sources from the file; give no IMAGE, --sgxs, "
                        + "--layout, --enclave or --mrenclave with it");
            }
            return BatchPrepare.run(this, err);
        }
        return write(build(err), err);
    }

    /** The requests this command's options describe (nothing written). */
    List<SigningRequest> build(PrintWriter err) {
        if ((image == null) == (source == null)) {
            throw new SignerException(ErrorKind.USAGE, "give exactly one enclave: an IMAGE, --sgxs, --layout, --enclave or "
                    + "--mrenclave");
        }
        if (image != null) {
            return prepareImage(err);
        }
        MemoryModel model = memoryModel == null ? null : parseModel(memoryModel);
        // An SDK enclave keeps its SIGSTRUCT's DATE unless --date is given; other sources get today's.
        SigstructRecipe recipe = new SigstructRecipe(isvProdId, isvSvn, production,
                source.enclave != null && date == null ? null
                        : SigstructRecipe.date(date, System.getenv("SOURCE_DATE_EPOCH"), LocalDate.now(ZoneOffset.UTC)),
                vendor, swDefined, attributes, attributeMask, miscSelect, miscMask,
                hex16("--isvfamilyid", isvFamilyId), hex16("--isvextprodid", isvExtProdId));

        Hash256 mrenclave;
        SigningRequest.Source origin;
        SigningRequest.Layout layout = null;
        String mrenclaveSource;
        String defaultName;
        Optional<Sigstruct> base = Optional.empty();
        if (source.enclave != null) {
            SdkEnclaveSource sdk = SdkEnclaveSource.read(source.enclave, maxMeasuredSize);
            mrenclave = sdk.mrenclave();
            base = Optional.of(sdk.sigstruct());
            // Absolute: attach reads this file again, maybe from another directory (it checks the SHA-256).
            origin = SigningRequest.Source.file("enclave", source.enclave.toAbsolutePath().normalize().toString(),
                    sdk.fileSha256().hex());
            mrenclaveSource = "sdk-enclave";
            defaultName = sdk.name();
        } else if (source.layout != null) {
            LayoutSource measured = LayoutSource.measure(source.layout, model, maxMeasuredSize);
            mrenclave = measured.mrenclave();
            model = measured.model();
            origin = SigningRequest.Source.file("layout", source.layout.toString(), measured.sha256().hex());
            layout = new SigningRequest.Layout(source.layout.toString(), measured.sha256().hex());
            mrenclaveSource = "measured-layout";
            defaultName = stem(source.layout);
        } else if (source.sgxs != null) {
            Sgxs.Result measured = Sgxs.measure(source.sgxs);
            mrenclave = measured.mrenclave();
            String sha = Hash256.ofFile(source.sgxs).hex();
            origin = SigningRequest.Source.file("sgxs", source.sgxs.toString(), sha);
            layout = new SigningRequest.Layout(source.sgxs.toString(), sha);
            mrenclaveSource = "measured-sgxs";
            defaultName = stem(source.sgxs);
        } else {
            try {
                mrenclave = Hash256.parse("--mrenclave", source.mrenclave);
            } catch (IllegalArgumentException e) {
                throw new SignerException(ErrorKind.USAGE, e.getMessage());
            }
            origin = SigningRequest.Source.given();
            mrenclaveSource = "given";
            defaultName = "enclave-" + mrenclave.hex().substring(0, 12);
        }
        Sigstruct unsigned = recipe.build(mrenclave, base, source.enclave != null);
        SigningRequest request = SigningRequest.create(VersionProvider.version(), name != null ? name : defaultName, model,
                origin, target, layout, mrenclaveSource, null, unsigned, pinnedSigner());
        return List.of(request);
    }

    /** Requests for each memory model of a converted image. */
    private List<SigningRequest> prepareImage(PrintWriter err) {
        Set<MemoryModel> models;
        if (memoryModel == null) {
            // The original tool's default and its warning, word for word in spirit.
            err.println("warning: no --memory-model given: preparing sgx1 only; this default may change, give "
                    + "--memory-model sgx1|sgx2|all explicitly");
            models = EnumSet.of(MemoryModel.SGX1);
        } else {
            try {
                models = EnumSet.copyOf(MemoryModel.parseSelection(memoryModel));
            } catch (IllegalArgumentException e) {
                throw new SignerException(ErrorKind.USAGE, "--memory-model: " + e.getMessage());
            }
        }
        SigstructRecipe recipe = new SigstructRecipe(isvProdId, isvSvn, production,
                SigstructRecipe.date(date, System.getenv("SOURCE_DATE_EPOCH"), LocalDate.now(ZoneOffset.UTC)),
                vendor, swDefined, attributes, attributeMask, miscSelect, miscMask,
                hex16("--isvfamilyid", isvFamilyId), hex16("--isvextprodid", isvExtProdId));
        return ImagePrepare.requests(new ImagePrepare.Settings(image, models, images.platform,
                maxLayoutSize, images.client(), trustMeasurement, name, target, recipe, pinnedSigner(),
                VersionProvider.version()), err);
    }

    int write(List<SigningRequest> requests, PrintWriter err) {
        List<RequestWriter.Written> written = RequestWriter.write(out, requests, force, VersionProvider.version());
        for (SigningRequest request : requests) {
            if (request.unsigned().debug()) {
                err.println(Cli.NAME + ": note: " + request.id() + " is a DEBUG request: the signed enclave will also "
                        + "launch in debug mode (give --production for a production signature)");
            }
        }
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            ObjectNode doc = SigstructJson.object();
            ArrayNode list = doc.putArray("requests");
            for (RequestWriter.Written w : written) {
                list.addObject().put("file", w.file().toString()).put("name", w.request().name())
                        .put("memoryModel", w.request().memoryModel()).put("mrenclave", w.request().mrenclave())
                        .put("signingPayloadSha256", w.request().signingPayloadSha256())
                        .put("debug", w.request().unsigned().debug()).put("written", w.changed());
            }
            doc.put("bundle", out.resolve("bundle.json").toString());
            stdout.print(SigstructJson.print(doc));
        } else {
            for (RequestWriter.Written w : written) {
                stdout.println((w.changed() ? "wrote " : "unchanged ") + w.file() + "  mrenclave " + w.request().mrenclave()
                        + "  payload sha256 " + w.request().signingPayloadSha256());
            }
        }
        stdout.flush();
        err.flush();
        return 0;
    }

    private Hash256 pinnedSigner() {
        return signer == null ? null : signer.mrsigner();
    }

    static MemoryModel parseModel(String value) {
        try {
            List<MemoryModel> models = MemoryModel.parseSelection(value);
            if (models.size() != 1) {
                throw new SignerException(ErrorKind.USAGE, "--memory-model " + value + ": one SGXS stream or MRENCLAVE is one "
                        + "layout; give sgx1 or sgx2");
            }
            return models.get(0);
        } catch (IllegalArgumentException e) {
            throw new SignerException(ErrorKind.USAGE, "--memory-model: " + e.getMessage());
        }
    }

    private static byte[] hex16(String option, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Hex.decode(option, value, 16);
        } catch (IllegalArgumentException e) {
            throw new SignerException(ErrorKind.USAGE, e.getMessage());
        }
    }

    private static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
