Attribute VB_Name = "CpxlRibbon"
'
' Ribbon callbacks of the cpxl add-in (tab "Cleaner production audit", see workbook/customUI.xml).
'
' Each button passes its id to Python, which does the work, reports the result and any error:
'   Windows: CpxlStart (module CpxlJob) runs cpxl.excel.runner in a process of its own, so Excel is never
'            frozen; progress shows in the status bar, the outcome in a message box.
'   macOS:   xlwings' RunPython runs cpxl.excel.xl.run(<id>) (module "xlwings", embedded by the build from
'            the installed xlwings package); Excel waits for it.
' Both read the interpreter from cpxl.conf (see docs/excel-addin.md). This module only collects the inputs
' of "new audit". ASCII only: see the note in CpxlCore.
'
Option Explicit

' New audit: asks where and for which industry/region/year, then starts step 'init' with them.
Public Sub CpxlInit(control As IRibbonControl)
    Dim folder As String, industry As String, region As String, statYear As String, params As String
#If Not Mac Then
    If CpxlRefuseIfBusy() Then Exit Sub
#End If
    folder = PickFolder()
    If Len(folder) = 0 Then Exit Sub
    ' "Industry audited (e.g. electroplating, hazardous waste incineration)"
    If Not Ask(U("\u5ba1\u6838\u884c\u4e1a\uff08\u5982\uff1a\u7535\u9540\u3001\u5371\u9669\u5e9f\u7269\u711a\u70e7\u5904\u7f6e\uff09"), "", industry) Then Exit Sub
    ' "Region audited (e.g. a province or city)"
    If Not Ask(U("\u5ba1\u6838\u533a\u57df\uff08\u5982\uff1a\u4e1c\u5c9a\u7701\u3001\u5c9a\u5dde\u5e02\uff09"), "", region) Then Exit Sub
    ' "Statistical period (year): the previous calendar year by default"
    If Not Ask(U("\u7edf\u8ba1\u671f\uff08\u5e74\uff09\uff1a\u9ed8\u8ba4\u4e0a\u4e00\u81ea\u7136\u5e74"), CStr(Year(Date) - 1), statYear) Then Exit Sub
    params = "folder=" & PyStr(folder) & ", industry=" & PyStr(industry) _
        & ", region=" & PyStr(region) & ", year=" & PyStr(statYear)
#If Mac Then
    ' RunPython hands the active workbook to Python (xlwings Book.caller()): make sure there is one.
    If ActiveWorkbook Is Nothing Then Workbooks.Add
    RunPython CpxlCommand(control.Id, params)
#Else
    CpxlStart control.Id, params
#End If
End Sub

Public Sub CpxlCheck(control As IRibbonControl)
    RunAction control.Id
End Sub

Public Sub CpxlTemplates(control As IRibbonControl)
    RunAction control.Id
End Sub

Public Sub CpxlIngest(control As IRibbonControl)
    RunAction control.Id
End Sub

Public Sub CpxlDiagnose(control As IRibbonControl)
    RunAction control.Id
End Sub

Public Sub CpxlPlan(control As IRibbonControl)
    RunAction control.Id
End Sub

Public Sub CpxlReport(control As IRibbonControl)
    RunAction control.Id
End Sub

Public Sub CpxlOutputs(control As IRibbonControl)
    RunAction control.Id
End Sub

' Runs the step of button action for the active workbook, which should be the master workbook.
Private Sub RunAction(ByVal action As String)
#If Mac Then
    If ActiveWorkbook Is Nothing Then
        ' "Open the master workbook (shen he zong biao .xlsx) first, then click this button."
        MsgBox U("\u8bf7\u5148\u6253\u5f00\u5ba1\u6838\u603b\u8868\uff08\u5ba1\u6838\u603b\u8868.xlsx\uff09\uff0c\u518d\u70b9\u51fb\u6b64\u6309\u94ae\u3002"), vbExclamation, CpxlTitle()
        Exit Sub
    End If
    RunPython CpxlCommand(action)
#Else
    CpxlStart action
#End If
End Sub

' The folder in which to create the audit folder, or "" if the user cancelled.
Private Function PickFolder() As String
#If Mac Then
    ' Excel for Mac has no folder picker that works in its sandbox: ask for a path.
    Dim answer As String
    ' "New audit: enter the location for the audit folder (full path)"
    If Ask(U("\u65b0\u5efa\u5ba1\u6838\uff1a\u8bf7\u8f93\u5165\u5b58\u653e\u5ba1\u6838\u6587\u4ef6\u5939\u7684\u4f4d\u7f6e\uff08\u5b8c\u6574\u8def\u5f84\uff09"), _
           Environ("HOME") & "/Documents", answer) Then PickFolder = answer
#Else
    With Application.FileDialog(4) ' msoFileDialogFolderPicker
        ' "New audit: choose the location for the audit folder"
        .Title = U("\u65b0\u5efa\u5ba1\u6838\uff1a\u9009\u62e9\u5b58\u653e\u5ba1\u6838\u6587\u4ef6\u5939\u7684\u4f4d\u7f6e")
        .AllowMultiSelect = False
        If .Show = -1 Then PickFolder = .SelectedItems(1)
    End With
#End If
End Function

' Asks for one line of text; False if the user pressed Cancel.
Private Function Ask(ByVal prompt As String, ByVal defaultValue As String, ByRef answer As String) As Boolean
    Dim v As Variant
    v = Application.InputBox(prompt, CpxlTitle(), defaultValue, Type:=2)
    If VarType(v) = vbBoolean Then Exit Function
    answer = Trim$(CStr(v))
    Ask = True
End Function
