package org.enclaveos.signer.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.io.AtomicFiles;
import org.enclaveos.signer.layout.ContentSource;
import org.enclaveos.signer.layout.LayoutBuilder;
import org.enclaveos.signer.layout.LayoutManifest;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.measure.Sgxs;
import org.enclaveos.signer.measure.SgxsWriter;
import org.enclaveos.signer.oe.OeConfig;
import org.enclaveos.signer.oe.OeEnclave;
import org.enclaveos.signer.oe.OeProperties;
import org.enclaveos.signer.sdk.SignedEnclave;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code measure}: the MRENCLAVE of an enclave layout (built programmatically: {@link Cli.Programmatic}). */
public class MeasureCommand implements Callable<Integer>, Cli.Programmatic {
    private final PositionalParamSpec sourceArg = CommandModel.parameter("SOURCE", "SGXS stream (- for stdin), layout "
            + "manifest or *.signed.so (the full jar also takes an image reference: docker://, oci:, docker-archive:)");

    private final OptionSpec maxMeasuredSizeArg = CommandModel.option(long.class, "BYTES", "The most page bytes a layout "
            + "manifest or SDK enclave may add (default 64 GiB); refused before hashing starts.", "--max-measured-size")
            .converters(new MaxMeasuredSize()).initialValue(org.enclaveos.signer.measure.Measurement.DEFAULT_MAX_MEASURED_BYTES)
            .build();

    private final OptionSpec jsonArg = CommandModel.flag("Print one JSON document on stdout.", "--json");

    private final OptionSpec memoryModelArg = CommandModel.option(String.class, "MODEL", "For a layout manifest: sgx1, "
            + "sgx2 or all (aliases full, minimal; default: every model the manifest has).", "--memory-model").build();

    private final OptionSpec exportSgxsArg = CommandModel.option(Path.class, "OUT", "Also write the enclave's build as "
            + "an SGXS stream (for an SDK enclave: as built from its first metadata block).", "--export-sgxs").build();

    private final OptionSpec configArg = CommandModel.option(Path.class, "CONF", "For an Open Enclave enclave: an oesign "
            + "configuration (Debug=, NumHeapPages=, NumStackPages=, NumTCS=, ProductID=, SecurityVersion=) laid over "
            + "its .oeinfo properties, as oesign does.", "--config").build();

    /** The model; a subclass may add to it (the full jar's image options). */
    protected final CommandSpec spec = CommandModel.command(this, "measure",
            new String[] {"Compute the MRENCLAVE of an enclave layout.", "",
                "FILE is an SGXS stream (Fortanix format): the SHA-256 the CPU computes over ECREATE, EADD and "
                    + "EEXTEND. The stream is checked to be canonical; UNMEASRD records are skipped. Memory stays "
                    + "constant, so multi-gigabyte streams are fine. FILE '-' reads stdin.",
                "FILE may also be a layout manifest (*.json, docs/layout-manifest.md; content paths relative to it): "
                    + "MRENCLAVE per memory model, their common prefix hashed once.",
                "FILE may also be an Intel SGX SDK signed enclave (*.signed.so): the enclave is rebuilt from the file "
                    + "and each of its metadata blocks, as the SDK's loader does, without the SDK; each result is "
                    + "compared with the MRENCLAVE its SIGSTRUCT claims.",
                "FILE may also be an Open Enclave (or EGo) enclave, signed or not: rebuilt as OE's loader does, with "
                    + "the properties in its .oeinfo or, with --config, those of an oesign configuration laid over them."},
            "", "Example:", "  enclaveos-signer measure enclave.sgxs --json | jq -r .mrenclave")
            .addPositional(sourceArg).addOption(maxMeasuredSizeArg).addOption(jsonArg).addOption(memoryModelArg)
            .addOption(exportSgxsArg).addOption(configArg);

    // The values given, read from the model when the command runs.
    private String source;
    private long maxMeasuredSize;
    private boolean json;
    private String memoryModel;
    private Path exportSgxs;
    private Path config;
    private Path file;

    @Override
    public CommandSpec spec() {
        return spec;
    }

    /** A positive byte count for --max-measured-size. */
    public static final class MaxMeasuredSize implements picocli.CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long v = Numbers.parse(value, 63);
            if (v < org.enclaveos.signer.measure.Measurement.PAGE_SIZE) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is less than one page (4096 bytes)");
            }
            return v;
        }
    }

    /** SOURCE names no file: the full jar's subclass measures it as an image; null here (then "no such file"). */
    protected Integer notAFile(String source, String memoryModel, boolean json, PrintWriter out, PrintWriter err) {
        return null;
    }

    @Override
    public Integer call() throws IOException {
        source = sourceArg.getValue();
        maxMeasuredSize = maxMeasuredSizeArg.getValue();
        json = jsonArg.getValue();
        memoryModel = memoryModelArg.getValue();
        exportSgxs = exportSgxsArg.getValue();
        config = configArg.getValue();
        file = Path.of(source);
        if (!source.equals("-") && !java.nio.file.Files.exists(file)) {
            Integer image = notAFile(source, memoryModel, json, spec.commandLine().getOut(), spec.commandLine().getErr());
            if (image != null) {
                return image;
            }
        }
        Sgxs.Result r;
        if (file.toString().equals("-")) {
            try {
                r = Sgxs.measure(System.in);
            } catch (SignerException e) {
                throw e.in("stdin");
            }
        } else {
            SigstructInputs.Kind kind = SigstructInputs.kind(file);
            if (kind == SigstructInputs.Kind.OE_ENCLAVE) {
                return measureOeEnclave();
            }
            if (config != null) {
                throw new SignerException(ErrorKind.USAGE, "--config: " + file + " is not an Open Enclave enclave");
            }
            if (kind == SigstructInputs.Kind.SDK_ENCLAVE) {
                return measureEnclave();
            }
            if (isManifest(file)) {
                return measureManifest();
            }
            if (exportSgxs != null) {
                throw new SignerException(ErrorKind.USAGE, "--export-sgxs: " + file + " is already an SGXS stream");
            }
            r = Sgxs.measure(file, ProgressLine.forCommand(spec));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = SigstructJson.object();
            o.put("file", file.toString());
            o.put("kind", "sgxs");
            o.put("mrenclave", r.mrenclave().hex());
            o.put("enclaveSize", r.enclaveSize());
            o.put("ssaFrameSize", r.ssaFrameSize());
            o.put("pages", r.pages());
            o.put("measuredChunks", r.measuredChunks());
            o.put("unmeasuredChunks", r.unmeasuredChunks());
            out.print(SigstructJson.print(o));
        } else {
            out.println(r.mrenclave().hex() + "  " + file);
            spec.commandLine().getErr().println("enclave size 0x" + Long.toHexString(r.enclaveSize()) + ", SSA frame "
                    + r.ssaFrameSize() + " page(s), " + r.pages() + " pages, " + r.measuredChunks() + " measured and "
                    + r.unmeasuredChunks() + " unmeasured chunks");
        }
        out.flush();
        return 0;
    }

    static boolean isManifest(Path file) {
        if (file.getFileName().toString().endsWith(".json")) {
            return true;
        }
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            int c;
            while ((c = in.read()) == ' ' || c == '\n' || c == '\r' || c == '\t') {
                // leading white space
            }
            return c == '{';
        } catch (IOException e) {
            return false;
        }
    }

    /** A layout manifest: MRENCLAVE per memory model, their common prefix hashed once. */
    private int measureManifest() throws IOException {
        LayoutManifest manifest = LayoutManifest.parse(org.enclaveos.signer.io.SmallFiles.read(file,
                LayoutManifest.MAX_BYTES, "layout manifest"), file.toString());
        ContentSource content = ContentSource.directory(file.toAbsolutePath().getParent());
        Set<MemoryModel> models = manifest.models();
        if (memoryModel != null) {
            models = MemoryModel.parseOption("--memory-model", memoryModel);
        }
        if (exportSgxs != null && models.size() != 1) {
            throw new SignerException(ErrorKind.USAGE, "--export-sgxs writes one layout; give --memory-model sgx1 or sgx2");
        }
        Map<MemoryModel, Hash256> results;
        try {
            results = LayoutBuilder.measure(manifest, models, content, maxMeasuredSize);
        } catch (SignerException e) {
            throw e.in(file.toString());
        }
        if (exportSgxs != null) {
            MemoryModel only = models.iterator().next();
            AtomicFiles.createNew(exportSgxs, out -> LayoutBuilder.build(manifest, only, content, new SgxsWriter(out),
                    maxMeasuredSize), false);
        }
        MemoryModel first = results.keySet().iterator().next();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = SigstructJson.object();
            o.put("file", file.toString());
            o.put("kind", "layout-manifest");
            o.put("mrenclave", results.get(first).hex());
            ObjectNode per = o.putObject("models");
            results.forEach((m, h) -> per.put(m.id(), h.hex()));
            out.print(SigstructJson.print(o));
        } else {
            results.forEach((m, h) -> out.println(h.hex() + "  " + file + " (" + m.id() + ")"));
        }
        out.flush();
        return 0;
    }

    /** An SGX SDK enclave: rebuilt from each metadata block, compared with the SIGSTRUCT it carries. */
    private int measureEnclave() {
        SignedEnclave enclave = SignedEnclave.read(file);
        ObjectNode o = SigstructJson.object();
        o.put("file", file.toString());
        o.put("kind", "sgx-sdk-enclave");
        ArrayNode blocks = SigstructJson.array();
        PrintWriter err = spec.commandLine().getErr();
        boolean allMatch = true;
        Hash256 first = null;
        for (SignedEnclave.Remeasured r : enclave.remeasure(maxMeasuredSize)) {
            SignedEnclave.MetadataBlock b = r.block();
            Hash256 mr = r.measured();
            first = first == null ? mr : first;
            boolean match = r.matches();
            allMatch &= match;
            blocks.addObject().put("version", b.version()).put("mrenclave", mr.hex())
                    .put("sigstructMrenclave", b.sigstruct().mrenclave().hex()).put("matches", match);
            if (!json) {
                err.printf("block %d (v%s): %s%s%n", b.index(), b.version(), mr,
                        match ? ", equal to its SIGSTRUCT" : ", but its SIGSTRUCT says " + b.sigstruct().mrenclave());
            }
        }
        if (exportSgxs != null) {
            AtomicFiles.createNew(exportSgxs, out -> enclave.build(0, new SgxsWriter(out)), false);
        }
        o.put("mrenclave", first.hex());
        o.put("sigstructMrenclave", enclave.sigstruct().mrenclave().hex());
        o.put("matches", allMatch);
        o.set("blocks", blocks);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.print(SigstructJson.print(o));
        } else {
            out.println(first.hex() + "  " + file);
        }
        out.flush();
        return 0;
    }

    /** An Open Enclave enclave: rebuilt with its (or the configuration's) properties, compared with its SIGSTRUCT. */
    private int measureOeEnclave() {
        OeEnclave enclave = OeEnclave.read(file);
        OeProperties props = config == null ? enclave.properties() : OeConfig.read(config).applyTo(enclave.properties());
        Hash256 mr = enclave.measure(props, maxMeasuredSize);
        if (exportSgxs != null) {
            AtomicFiles.createNew(exportSgxs, out -> enclave.build(props, new SgxsWriter(out), maxMeasuredSize), false);
        }
        java.util.Optional<Hash256> carried = enclave.sigstruct().map(Sigstruct::mrenclave);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = SigstructJson.object();
            o.put("file", file.toString());
            o.put("kind", "open-enclave");
            o.put("mrenclave", mr.hex());
            o.put("sigstructMrenclave", carried.map(Hash256::hex).orElse(null));
            o.put("matches", carried.map(mr::equals).orElse(null));
            o.set("properties", OeReport.properties(props));
            out.print(SigstructJson.print(o));
        } else {
            out.println(mr.hex() + "  " + file);
            spec.commandLine().getErr().println(carried.map(c -> c.equals(mr) ? "equal to the SIGSTRUCT in .oeinfo"
                    : "but the SIGSTRUCT in .oeinfo says " + c).orElse("unsigned: no SIGSTRUCT in .oeinfo to compare"));
        }
        out.flush();
        return 0;
    }
}
