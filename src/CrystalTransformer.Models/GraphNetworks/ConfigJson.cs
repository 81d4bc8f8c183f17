using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CrystalTransformer.Structures;

namespace CrystalTransformer.Models.GraphNetworks;

/// <summary>What every graph network's configuration holds: its element table and how disordered sites are read.</summary>
public abstract record GraphNetworkConfig
{
    public required ElementTableConfig ElementTable { get; init; }
    /// <summary>Disordered sites: refused (default) or read as their majority species.</summary>
    public DisorderPolicy Disorder { get; init; } = DisorderPolicy.Reject;

    /// <summary>Checks the settings; an <see cref="InputError"/> names the first bad one.</summary>
    public void Validate()
    {
        ElementTable.Validate();
        foreach (var (ok, what) in Checks())
            if (!ok) throw new InputError($"{Kind} setting: {what}");
    }

    /// <summary>How crystals become graphs under these settings.</summary>
    public abstract Graphs.GraphSettings GraphSettings();

    /// <summary>The model kind, for messages.</summary>
    protected abstract string Kind { get; }

    /// <summary>(condition, message when it fails) for each setting.</summary>
    protected abstract IEnumerable<(bool Ok, string What)> Checks();
}

/// <summary>JSON form of the graph networks' configurations (snake_case names, enums as text), as stored in model files.</summary>
public static class ConfigJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static JsonObject ToJson<T>(T config) => JsonSerializer.SerializeToNode(config, Options)!.AsObject();

    public static T FromJson<T>(JsonObject json, string kind)
    {
        try
        {
            return json.Deserialize<T>(Options) ?? throw new InputError($"empty {kind} configuration");
        }
        catch (JsonException ex)
        {
            throw new InputError($"{kind} configuration is not valid ({ex.Message.ReplaceLineEndings(" ")})");
        }
    }

    /// <summary>Applies the properties of <paramref name="overrides"/> (snake_case names) on top of <paramref name="config"/>.</summary>
    public static T With<T>(T config, JsonObject? overrides, string kind)
    {
        if (overrides is null || overrides.Count == 0) return config;
        var json = ToJson(config);
        foreach (var (name, value) in overrides)
        {
            if (!json.ContainsKey(name))
                throw new InputError($"{kind} has no setting '{name}' (settings: {string.Join(", ", json.Select(p => p.Key))})");
            json[name] = value?.DeepClone();
        }
        return FromJson<T>(json, kind);
    }
}
