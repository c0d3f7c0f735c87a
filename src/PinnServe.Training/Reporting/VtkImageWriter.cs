using System.Globalization;
using System.Text;
using PinnServe.Contracts;

namespace PinnServe.Training.Reporting;

/// <summary>
/// Writes a <see cref="FieldGrid"/> as VTK XML image data (.vti, ASCII) that ParaView opens: one point array
/// per field for the prediction, the exact values and the absolute error. A 2D grid is one cell thick in z.
/// </summary>
public static class VtkImageWriter
{
    public static void Write(FieldGrid grid, string path)
    {
        var inv = CultureInfo.InvariantCulture;
        int nx = grid.Width, ny = grid.Height;
        string extent = $"0 {nx - 1} 0 {ny - 1} 0 0";
        double Spacing(int axis) => axis < grid.Axes.Length ? grid.Axes[axis].Coordinates[1] - grid.Axes[axis].Coordinates[0] : 1;
        double Origin(int axis) => axis < grid.Axes.Length ? grid.Axes[axis].Coordinates[0] : 0;

        var xml = new StringBuilder();
        xml.AppendLine("<?xml version=\"1.0\"?>");
        xml.AppendLine("<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">");
        // The axes' names travel in a comment: VTK image data has no place for them.
        xml.AppendLine($"  <!-- x = {grid.Axes[0].Name}{(grid.Axes.Length > 1 ? $", y = {grid.Axes[1].Name}" : "")}{(grid.Slice.Length > 0 ? $"; slice {grid.Slice}" : "")} -->");
        xml.AppendLine(string.Create(inv, $"  <ImageData WholeExtent=\"{extent}\" Origin=\"{Origin(0):R} {Origin(1):R} 0\" Spacing=\"{Spacing(0):R} {Spacing(1):R} 1\">"));
        xml.AppendLine($"    <Piece Extent=\"{extent}\">");
        xml.AppendLine($"      <PointData Scalars=\"{grid.Fields[0]}\">");
        for (int f = 0; f < grid.Fields.Length; f++)
        {
            AppendArray(xml, grid.Fields[f], grid.Predicted[f]);
            if (grid.Exact[f] is { } exact)
            {
                AppendArray(xml, $"{grid.Fields[f]}_exact", exact);
                AppendArray(xml, $"{grid.Fields[f]}_abs_error", grid.Predicted[f].Select((p, i) => Math.Abs(p - exact[i])).ToArray());
            }
        }
        xml.AppendLine("      </PointData>");
        xml.AppendLine("      <CellData/>");
        xml.AppendLine("    </Piece>");
        xml.AppendLine("  </ImageData>");
        xml.AppendLine("</VTKFile>");
        AtomicFile.WriteAllText(path, xml.ToString());
    }

    private static void AppendArray(StringBuilder xml, string name, double[] values)
    {
        xml.AppendLine($"        <DataArray type=\"Float64\" Name=\"{System.Security.SecurityElement.Escape(name)}\" NumberOfComponents=\"1\" format=\"ascii\">");
        for (int start = 0; start < values.Length; start += 8)
        {
            xml.Append("          ");
            xml.AppendJoin(' ', values.Skip(start).Take(8).Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            xml.AppendLine();
        }
        xml.AppendLine("        </DataArray>");
    }
}
