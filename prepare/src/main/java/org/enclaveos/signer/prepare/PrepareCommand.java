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

@Command(name = "prepare", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
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

    @Option(names = "--policy", paramLabel = "FILE", description = "Refuse requests this deployment policy would reject "
            + "(docs/policy.md; YAML or JSON); the pinned signer, if any, is judged as the signer.")
    Path policyFile;

    @Option(names = "--allow-unmeasured", description = "With --production: accept an image whose layouts carry no "
            + "label, signing the converter's MRENCLAVE without re-measuring it (recorded in the request; the review warns).")
    boolean allowUnmeasured;

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

        @Option(names = "--enclave", paramLabel = "FILE", description = "An Intel SGX SDK signed enclave (re-measured from "
                + "its own metadata; every field not given is kept from its SIGSTRUCT), or an Open Enclave enclave, "
                + "signed or not (re-measured as OE's loader builds it; the SIGSTRUCT oesign would make, --config for "
                + "its oesign configuration).")
        Path enclave;

        EnclaveSource enclaveSource() {
            if (sgxs != null) {
                return new EnclaveSource.Sgxs(sgxs);
            } else if (layout != null) {
                return new EnclaveSource.Layout(layout);
            } else if (enclave != null) {
                return EnclaveSource.enclaveFile(enclave);
            }
            return new EnclaveSource.Given(BatchLine.mrenclave("--mrenclave", mrenclave));
        }
    }

    @Option(names = "--config", paramLabel = "CONF", description = "With --enclave of an Open Enclave enclave: its oesign "
            + "configuration (Debug=, NumHeapPages=, NumStackPages=, NumTCS=, ProductID=, SecurityVersion=), laid over "
            + "the .oeinfo properties as oesign does.")
    Path config;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the request files.")
    Path out;

    @Option(names = "--name", paramLabel = "NAME", description = "File name stem (default: the input's name).")
    String name;

    @Option(names = "--memory-model", paramLabel = "MODEL",
            description = "sgx1, sgx2 or all (aliases full, minimal). For an image, the models to prepare "
                    + "(default sgx1, with a warning: give it); for a layout, the model measured (default its only "
                    + "model, else sgx1); for an SGXS stream or an MRENCLAVE, its one label (default none).")
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

    @Option(names = "--shard", paramLabel = "I/N", description = "With --batch: take only lines I, I+N, I+2N, ... (counted "
            + "from 0), so N machines share one batch file; default: JOB_COMPLETION_INDEX/JOB_COMPLETIONS when both are set "
            + "(a Kubernetes Indexed Job).")
    String shard;

    @Option(names = "--jobs", paramLabel = "N", description = "With --batch: entries at a time (default 4).")
    int jobs = 4;

    @Option(names = "--json", description = "Print one JSON document on stdout.")
    boolean json;

    final org.enclaveos.signer.image.cli.RegistryOptions images = new org.enclaveos.signer.image.cli.RegistryOptions();

    @picocli.CommandLine.Mixin(name = "images")
    picocli.CommandLine.Model.CommandSpec imagesOptions = images.mixin();

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
            return BatchPrepare.run(this, Shard.of(shard, System.getenv()), err);
        }
        if (shard != null) {
            throw new SignerException(ErrorKind.USAGE, "--shard divides a --batch file; give --batch FILE with it");
        }
        Prepare.Prepared prepared = Prepare.requests(options().build(), w -> err.println("warning: " + w));
        return write(prepared.requests(), err);
    }

    /**
     * This command line as a spec builder: every option typed and checked, SOURCE_DATE_EPOCH read here
     * (the library takes the date as a value). With --batch it has no source: each line gives one.
     */
    PrepareSpec.Builder options() {
        PrepareSpec.Builder b = PrepareSpec.builder()
                .models(memoryModel == null ? Set.of() : MemoryModel.parseOption("--memory-model", memoryModel))
                .isvProdId(isvProdId).isvSvn(isvSvn).production(production)
                .date(date == null ? null : SigstructRecipe.date(date, null, LocalDate.now(ZoneOffset.UTC)))
                .defaultDate(defaultDate())
                .vendor(vendor).swDefined(swDefined).attributes(attributes).attributeMask(attributeMask)
                .miscSelect(miscSelect).miscMask(miscMask)
                .isvFamilyId(hex16("--isvfamilyid", isvFamilyId)).isvExtProdId(hex16("--isvextprodid", isvExtProdId))
                .name(name).target(target).pinnedSigner(signer == null ? null : signer.mrsigner())
                .trustMeasurement(trustMeasurement).allowUnmeasured(allowUnmeasured)
                .maxLayoutSize(maxLayoutSize).maxMeasuredSize(maxMeasuredSize)
                .platform(images.platform()).registry(images.client())
                .policy(policyFile == null ? null : org.enclaveos.signer.policy.PolicyFiles.load(policyFile,
                        org.enclaveos.signer.image.cli.PolicyYaml.reader()));
        if (image != null) {
            b.source(new EnclaveSource.Image(image));
        } else if (source != null) {
            b.source(source.enclaveSource());
        }
        if (config != null) {
            if (!(b.source() instanceof EnclaveSource.OeEnclave oe)) {
                throw new SignerException(ErrorKind.USAGE, "--config is an oesign configuration: it goes with --enclave of "
                        + "an Open Enclave enclave");
            }
            b.source(new EnclaveSource.OeEnclave(oe.file(), config));
        }
        return b;
    }

    int write(List<SigningRequest> requests, PrintWriter err) {
        List<RequestWriter.Written> written = Prepare.write(out, requests, force);
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
            doc.put("batchDigest", org.enclaveos.signer.request.BatchDigest.of(requests, production, java.util.Set.of()).hex());
            stdout.print(SigstructJson.print(doc));
        } else {
            for (RequestWriter.Written w : written) {
                stdout.println((w.changed() ? "wrote " : "unchanged ") + w.file() + "  mrenclave " + w.request().mrenclave()
                        + "  payload sha256 " + w.request().signingPayloadSha256());
            }
            // What approvers sign before the ceremony (sign-offline --print-batch-digest gives the same for these requests).
            stdout.println("batch digest " + org.enclaveos.signer.request.BatchDigest.of(requests, production,
                    java.util.Set.of()).hex() + " (" + (production ? "--production" : "not --production") + ")");
        }
        stdout.flush();
        err.flush();
        return 0;
    }

    /** The DATE where none is given: SOURCE_DATE_EPOCH, else today in UTC (the one-shot form and demo use it too). */
    public static org.enclaveos.signer.sgx.SigstructDate defaultDate() {
        return SigstructRecipe.date(null, System.getenv("SOURCE_DATE_EPOCH"), LocalDate.now(ZoneOffset.UTC));
    }

    static byte[] hex16(String option, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Hex.decode(option, value, 16);
        } catch (IllegalArgumentException e) {
            throw new SignerException(ErrorKind.USAGE, e.getMessage());
        }
    }

}
