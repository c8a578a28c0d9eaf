/// The bounds ingestion enforces, in one place so that validation, the OpenAPI document's tests
/// and the error messages agree.
public enum EventLimits {
    public static let maximumBatchSize = 1_000
    public static let maximumBodyBytes = 5 * 1024 * 1024
    public static let maximumEventBytes = 32 * 1024
    public static let maximumIDLength = 128
    public static let maximumNameLength = 256
    public static let maximumEmailLength = 320
    public static let maximumTypeLength = 64
    public static let maximumTargets = 50
    public static let maximumUserAgentLength = 1_024
    public static let maximumDetailsLength = 1_024
    public static let maximumMetadataKeys = 50
    public static let maximumMetadataKeyLength = 64
    public static let maximumMetadataStringLength = 1_024
    /// How far in the future `occurred_at` may be, for clocks that run ahead.
    public static let maximumFutureMilliseconds: Int64 = 3_600_000
}
