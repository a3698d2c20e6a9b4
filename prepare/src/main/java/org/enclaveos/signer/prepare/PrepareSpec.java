package org.enclaveos.signer.prepare;

import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Set;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.image.ImageMeasure;
import org.enclaveos.signer.image.RegistryClient;
import org.enclaveos.signer.measure.Measurement;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.SigstructDate;

/**
 * Everything one prepare needs, as values: the enclave's source, the memory models, the SIGSTRUCT
 * fields chosen ({@link SigstructRecipe}), the name and target, the pinned signer and the limits.
 * The command line builds one; a batch line is the command line's builder with the line's keys
 * over it ({@link BatchLine}); the one-shot form and {@code demo} build theirs directly.
 *
 * @param models      empty: the source's default (an image: sgx1, with a warning; a layout: its only
 *                    model, else sgx1; an SGXS stream or a given MRENCLAVE: no label)
 * @param defaultDate the DATE where the recipe gives none, except for an SDK enclave, which keeps its own
 * @param policy      a deployment policy the requests must meet (the pinned signer judged as the signer), or null
 */
public record PrepareSpec(EnclaveSource source, Set<MemoryModel> models, SigstructRecipe recipe, SigstructDate defaultDate,
                          String name, String target, Hash256 pinnedSigner, boolean trustMeasurement,
                          boolean allowUnmeasured, long maxLayoutSize, long maxMeasuredSize, String platform,
                          RegistryClient.Options registry, org.enclaveos.signer.policy.Policy policy) {

    public PrepareSpec {
        if (source == null) {
            throw new SignerException(ErrorKind.USAGE, "give exactly one enclave: an IMAGE, --sgxs, --layout, --enclave or "
                    + "--mrenclave");
        }
        models = Set.copyOf(models);
        if (!(source instanceof EnclaveSource.Image) && models.size() > 1) {
            throw new SignerException(ErrorKind.USAGE, "--memory-model " + String.join(",", models.stream()
                    .map(MemoryModel::id).sorted().toList()) + ": one SGXS stream, layout or MRENCLAVE is one layout; "
                    + "give sgx1 or sgx2");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A spec assembled option by option. Copies are independent ({@link #copy}), so a batch can lay
     * each line over the same command-line defaults.
     */
    public static final class Builder {
        private EnclaveSource source;
        private Set<MemoryModel> models = EnumSet.noneOf(MemoryModel.class);
        private Integer isvProdId;
        private Integer isvSvn;
        private boolean production;
        private SigstructDate date;
        private SigstructDate defaultDate = SigstructDate.NONE;
        private Integer vendor;
        private Integer swDefined;
        private org.enclaveos.signer.sgx.Attributes attributes;
        private org.enclaveos.signer.sgx.Attributes attributeMask;
        private Integer miscSelect;
        private Integer miscMask;
        private byte[] isvFamilyId;
        private byte[] isvExtProdId;
        private String name;
        private String target;
        private Hash256 pinnedSigner;
        private boolean trustMeasurement;
        private boolean allowUnmeasured;
        private long maxLayoutSize = ImageMeasure.DEFAULT_MAX_LAYOUT_SIZE;
        private long maxMeasuredSize = Measurement.DEFAULT_MAX_MEASURED_BYTES;
        private String platform;
        private Set<String> insecureRegistries = new LinkedHashSet<>();
        private Duration registryTimeout = Duration.ofSeconds(60);
        private org.enclaveos.signer.io.Progress progress = org.enclaveos.signer.io.Progress.NONE;
        private org.enclaveos.signer.policy.Policy policy;

        private Builder() {
        }

        public Builder copy() {
            Builder b = new Builder();
            b.source = source;
            b.models = EnumSet.noneOf(MemoryModel.class);
            b.models.addAll(models);
            b.isvProdId = isvProdId;
            b.isvSvn = isvSvn;
            b.production = production;
            b.date = date;
            b.defaultDate = defaultDate;
            b.vendor = vendor;
            b.swDefined = swDefined;
            b.attributes = attributes;
            b.attributeMask = attributeMask;
            b.miscSelect = miscSelect;
            b.miscMask = miscMask;
            b.isvFamilyId = isvFamilyId;
            b.isvExtProdId = isvExtProdId;
            b.name = name;
            b.target = target;
            b.pinnedSigner = pinnedSigner;
            b.trustMeasurement = trustMeasurement;
            b.allowUnmeasured = allowUnmeasured;
            b.maxLayoutSize = maxLayoutSize;
            b.maxMeasuredSize = maxMeasuredSize;
            b.platform = platform;
            b.insecureRegistries = new LinkedHashSet<>(insecureRegistries);
            b.registryTimeout = registryTimeout;
            b.progress = progress;
            b.policy = policy;
            return b;
        }

        /** The source given so far, or null. */
        public EnclaveSource source() {
            return source;
        }

        public Builder source(EnclaveSource value) {
            source = value;
            return this;
        }

        public Builder models(Set<MemoryModel> value) {
            models = value.isEmpty() ? EnumSet.noneOf(MemoryModel.class) : EnumSet.copyOf(value);
            return this;
        }

        public Builder isvProdId(Integer value) {
            isvProdId = value;
            return this;
        }

        public Builder isvSvn(Integer value) {
            isvSvn = value;
            return this;
        }

        public Builder production(boolean value) {
            production = value;
            return this;
        }

        public boolean production() {
            return production;
        }

        /** DATE as given ({@code --date}); null: the default date, or an SDK enclave's own. */
        public Builder date(SigstructDate value) {
            date = value;
            return this;
        }

        /** The DATE where none is given: from SOURCE_DATE_EPOCH or today, decided by the caller. */
        public Builder defaultDate(SigstructDate value) {
            defaultDate = value;
            return this;
        }

        public Builder vendor(Integer value) {
            vendor = value;
            return this;
        }

        public Builder swDefined(Integer value) {
            swDefined = value;
            return this;
        }

        public Builder attributes(org.enclaveos.signer.sgx.Attributes value) {
            attributes = value;
            return this;
        }

        public Builder attributeMask(org.enclaveos.signer.sgx.Attributes value) {
            attributeMask = value;
            return this;
        }

        public Builder miscSelect(Integer value) {
            miscSelect = value;
            return this;
        }

        public Builder miscMask(Integer value) {
            miscMask = value;
            return this;
        }

        public Builder isvFamilyId(byte[] value) {
            isvFamilyId = value == null ? null : value.clone();
            return this;
        }

        public Builder isvExtProdId(byte[] value) {
            isvExtProdId = value == null ? null : value.clone();
            return this;
        }

        public Builder name(String value) {
            name = value;
            return this;
        }

        public Builder target(String value) {
            target = value;
            return this;
        }

        public Builder pinnedSigner(Hash256 value) {
            pinnedSigner = value;
            return this;
        }

        public Hash256 pinnedSigner() {
            return pinnedSigner;
        }

        public Builder trustMeasurement(boolean value) {
            trustMeasurement = value;
            return this;
        }

        public Builder allowUnmeasured(boolean value) {
            allowUnmeasured = value;
            return this;
        }

        public Builder maxLayoutSize(long value) {
            maxLayoutSize = value;
            return this;
        }

        public Builder maxMeasuredSize(long value) {
            maxMeasuredSize = value;
            return this;
        }

        public Builder platform(String value) {
            platform = value;
            return this;
        }

        public Builder insecureRegistry(String host) {
            insecureRegistries.add(host);
            return this;
        }

        public Builder registryTimeout(Duration value) {
            registryTimeout = value;
            return this;
        }

        /** The registry options as a whole (the command line's {@code RegistryOptions}). */
        public Builder registry(RegistryClient.Options options) {
            insecureRegistries = new LinkedHashSet<>(options.insecureRegistries());
            registryTimeout = options.timeout();
            progress = options.progress();
            return this;
        }

        public Builder policy(org.enclaveos.signer.policy.Policy value) {
            policy = value;
            return this;
        }

        public PrepareSpec build() {
            return new PrepareSpec(source, models, new SigstructRecipe(isvProdId, isvSvn, production, date, vendor, swDefined,
                    attributes, attributeMask, miscSelect, miscMask, isvFamilyId, isvExtProdId), defaultDate, name, target,
                    pinnedSigner, trustMeasurement, allowUnmeasured, maxLayoutSize, maxMeasuredSize, platform,
                    RegistryClient.Options.of(Set.copyOf(insecureRegistries), registryTimeout).withProgress(progress), policy);
        }
    }
}
